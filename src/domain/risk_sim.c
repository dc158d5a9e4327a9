/*
 * domain/risk_sim.c — live bid document similarity (risk_sim.h).
 *
 * Owns: taking the document files out of an envelope opened with its kept
 * K (the crypto layer opens: envelope_open_with_key, with envelope_keep
 * holding files of any role up to RSIM_KEPT_MAX, as domain/boq_open.c
 * does for price lists), the extraction of every document's text and
 * metadata, the similarity run over the tender, the stored JSON
 * (docs/supervision.md) and the S1/S2 hits. Invariants: a bid's files are
 * taken only when the signature, every chunk and every content hash check
 * under K; bids' text leaves this file only inside the stored result,
 * which only supervisors read.
 * Threads: the caller's, one analysis thread.
 */
#include "domain/risk_sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "analytics/doctext.h"
#include "analytics/similarity.h"
#include "base/arena.h"
#include "base/base64.h"
#include "base/clock.h"
#include "base/jsonw.h"
#include "base/log.h"
#include "crypto/envelope.h"
#include "crypto/suite.h"
#include "domain/accounts.h"
#include "store/simres.h"
#include "store/tender.h"

#define FORM_NAME "opening-form.json"

/* ---- opening an envelope with K, keeping its documents ---- */

/* A document the analysis reads: .docx, .pdf, .txt (ASCII case ignored). */
static bool doc_name(const char *name, size_t n)
{
    if (n == sizeof FORM_NAME - 1 && memcmp(name, FORM_NAME, n) == 0)
        return false;
    return (n > 4 && (strncasecmp(name + n - 4, ".pdf", 4) == 0 ||
                      strncasecmp(name + n - 4, ".txt", 4) == 0)) ||
           (n > 5 && strncasecmp(name + n - 5, ".docx", 5) == 0);
}

int risk_sim_open_envelope(const void *env, size_t len, const uint8_t key[SUITE_KEY_LEN],
                           rsim_doc_fn fn, void *ud, struct seal_error *err)
{
    struct envelope_keep *k =
        envelope_keep_new(ENVELOPE_KEEP_ANY, DOCTEXT_MAX_INPUT, RSIM_KEPT_MAX);
    struct envelope_mem in = {env, len, 0};
    struct envelope_header *h = NULL;
    int rc;
    if (k == NULL)
        return seal_fail(err, SEAL_ECRYPTO, "memory");
    struct envelope_output out = envelope_keep_output(k);
    rc = envelope_open_with_key(key, 0, envelope_mem_read, &in, &out, &h, err);
    for (int i = 0; rc == SEAL_OK && i < h->n_files; i++) {
        const struct envelope_file *f = &h->files[i];
        const struct buf *b = &k->file[i];
        if (!doc_name(f->name, strlen(f->name)))
            continue;
        if (b->len != f->size) /* over a cap: not kept, or cut short */
            fn(ud, f->name, NULL, 0);
        else
            fn(ud, f->name, b->data != NULL ? b->data : "", b->len);
    }
    envelope_header_free(h);
    envelope_keep_free(k);
    return rc;
}

/* ---- the analysis ---- */

struct rdoc {
    const struct simres_bid *bid; /* borrowed from the page */
    char name[ENVELOPE_MAX_NAME + 1];
    char lot[24];
    struct doctext dt; /* text and metadata; owned */
    const char *error; /* a code: not analysed */
};

struct rbid {
    const char *status; /* read no_documents unreadable */
    char reason[160];   /* why unreadable */
    int docs;
};

struct tmpl {
    const struct tender_document *d;
    const char *format;
    const char *error;
    size_t text_bytes;
};

struct run {
    struct store *s;
    int64_t tender_id;
    int64_t basis_version;
    const struct simres_bid *bids;
    int nbids;
    struct rbid *rb;
    const struct tender_document *tdocs;
    int ntdocs;
    struct tmpl *tm;
    struct rdoc *docs;
    size_t ndocs, cap;
    size_t text_total;
    struct risk_sim_hits *hits;
};

static int load_text(void *ud, size_t i, const char **text, size_t *len)
{
    struct run *r = ud;
    if (r->docs[i].error != NULL)
        return -1;
    *text = r->docs[i].dt.text;
    *len = r->docs[i].dt.len;
    return 0;
}

static const char *const default_names[] = {"administrator",
                                            "admin",
                                            "user",
                                            "users",
                                            "owner",
                                            "windows user",
                                            "microsoft",
                                            "微软用户",
                                            "微软中国",
                                            "微软",
                                            "windows 用户",
                                            "用户",
                                            "作者",
                                            "guest",
                                            "dell",
                                            "lenovo",
                                            "hp",
                                            "thinkpad",
                                            "pc",
                                            "dreamsummit",
                                            "china",
                                            "unknown",
                                            "本机用户",
                                            "番茄花园",
                                            "雨林木风",
                                            "深度技术",
                                            "sky123.org",
                                            "www.deepbbs.org",
                                            "ylmf",
                                            "匿名"};

bool risk_sim_default_name(const char *v)
{
    if (v == NULL || *v == '\0')
        return true;
    for (size_t i = 0; i < sizeof default_names / sizeof default_names[0]; i++)
        if (strcasecmp(v, default_names[i]) == 0)
            return true;
    return false;
}

static void iso_time(int64_t t, char out[32])
{
    struct tm tm;
    time_t tt = (time_t)t;
    out[0] = '\0';
    if (t == DOCTEXT_NO_TIME || gmtime_r(&tt, &tm) == NULL)
        return;
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

enum mfield { MF_AUTHOR, MF_EDITOR, MF_COMPANY, MF_RSID, MF_PDFID, MF_CREATED, MF__COUNT };
static const char *const mfield_name[MF__COUNT] = {"author",    "last_modified_by", "company",
                                                   "rsid_root", "pdf_id",           "created"};

/* The value of a field of document d as compared; NULL when none. */
static const char *mvalue(const struct rdoc *d, enum mfield f, char tmp[32])
{
    const struct doctext_meta *m = &d->dt.meta;
    const char *v = NULL;
    switch (f) {
    case MF_AUTHOR:
        v = m->author;
        break;
    case MF_EDITOR:
        v = m->last_modified_by;
        break;
    case MF_COMPANY:
        v = m->company;
        break;
    case MF_RSID:
        v = m->rsid_root;
        break;
    case MF_PDFID:
        v = m->pdf_id;
        break;
    case MF_CREATED:
        iso_time(m->created, tmp);
        v = tmp;
        break;
    default:
        break;
    }
    if (d->error != NULL || v == NULL || *v == '\0')
        return NULL;
    if ((f == MF_AUTHOR || f == MF_EDITOR || f == MF_COMPANY) && risk_sim_default_name(v))
        return NULL;
    return v;
}

static void snap_utf8(const char *t, size_t len, size_t *start, size_t *end)
{
    while (*start > 0 && ((unsigned char)t[*start] & 0xC0) == 0x80)
        (*start)--;
    while (*end < len && ((unsigned char)t[*end] & 0xC0) == 0x80)
        (*end)++;
}

/* One side of a passage: {"start","end","before","text","after","truncated"}. */
static void side(struct jsonw *w, const char *key, const struct rdoc *d, size_t s, size_t e)
{
    const char *t = d->dt.text;
    size_t len = d->dt.len;
    if (e > len)
        e = len;
    if (s > e)
        s = e;
    size_t show = e - s > SIM_DEFAULT_SHOW_BYTES ? s + SIM_DEFAULT_SHOW_BYTES : e;
    size_t b0 = s > RSIM_CONTEXT ? s - RSIM_CONTEXT : 0, a1 = e + RSIM_CONTEXT;
    if (a1 > len)
        a1 = len;
    size_t a0 = e;
    snap_utf8(t, len, &b0, &show); /* context starts and the shown text ends on a character */
    snap_utf8(t, len, &a0, &a1);
    if (show > e)
        show = e;
    jsonw_key(w, key);
    jsonw_obj_begin(w);
    jsonw_kint(w, "start", (int64_t)s);
    jsonw_kint(w, "end", (int64_t)e);
    jsonw_key(w, "before");
    jsonw_strn(w, t + b0, s - b0);
    jsonw_key(w, "text");
    jsonw_strn(w, t + s, show - s);
    jsonw_kbool(w, "truncated", show < e);
    jsonw_key(w, "after");
    jsonw_strn(w, t + a0, a1 - a0);
    jsonw_obj_end(w);
}

static void num(struct jsonw *w, const char *key, double v)
{
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, "%.4g", v);
    jsonw_key(w, key);
    if (n <= 0 || (size_t)n >= sizeof tmp || !isfinite(v))
        jsonw_null(w);
    else
        jsonw_raw(w, tmp, (size_t)n);
}

static void meta_json(struct jsonw *w, const struct doctext_meta *m)
{
    char c[32], mo[32];
    iso_time(m->created, c);
    iso_time(m->modified, mo);
    jsonw_key(w, "meta");
    jsonw_obj_begin(w);
    jsonw_kstr(w, "author", m->author);
    jsonw_kstr(w, "last_modified_by", m->last_modified_by);
    jsonw_kstr(w, "company", m->company);
    jsonw_kstr(w, "application", m->application);
    jsonw_kstr(w, "producer", m->producer);
    jsonw_kstr(w, "template", m->template_name);
    jsonw_kstr(w, "rsid_root", m->rsid_root);
    jsonw_kstr(w, "pdf_id", m->pdf_id);
    jsonw_kstr(w, "created", c[0] ? c : NULL);
    jsonw_kstr(w, "modified", mo[0] ? mo : NULL);
    jsonw_obj_end(w);
}

static bool hit_has_orgs(const struct risk_sim_hits *h, enum rsim_kind k, int64_t a, int64_t b,
                         const char *field)
{
    for (size_t i = 0; i < h->n; i++) {
        const struct risk_sim_hit *x = &h->v[i];
        if (x->kind != k || x->norgs < 2 || (field && strcmp(x->field, field) != 0))
            continue;
        if ((x->orgs[0] == a && x->orgs[1] == b) || (x->orgs[0] == b && x->orgs[1] == a))
            return true;
    }
    return false;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--; /* never cut a character */
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* The pairs of different bidders, heaviest first; S1 hits. */
static int64_t write_pairs(struct run *r, struct jsonw *w, const struct sim_result *res)
{
    int64_t listed = 0;
    jsonw_key(w, "pairs");
    jsonw_arr_begin(w);
    for (size_t i = 0; i < res->npairs && listed < RSIM_MAX_PAIRS; i++) {
        const struct sim_pair *p = &res->pairs[i];
        const struct rdoc *a = &r->docs[p->a], *b = &r->docs[p->b];
        if (a->bid->org_id == b->bid->org_id || p->nshown == 0)
            continue;
        uint64_t chars = 0;
        double rare = 0;
        for (size_t k = 0; k < p->nshown; k++) {
            chars += p->passages[k].chars;
            if (p->passages[k].rarity > rare)
                rare = p->passages[k].rarity;
        }
        bool flagged = chars >= RSIM_MIN_CHARS;
        listed++;
        jsonw_obj_begin(w);
        jsonw_kint(w, "a", p->a);
        jsonw_kint(w, "b", p->b);
        jsonw_kbool(w, "same_lot", a->bid->lot_no == b->bid->lot_no);
        num(w, "jaccard", p->jaccard);
        num(w, "containment_a", p->containment_a);
        num(w, "containment_b", p->containment_b);
        num(w, "weight", p->weight);
        jsonw_kint(w, "passages_found", (int64_t)p->passages_found);
        jsonw_kint(w, "shared_chars", (int64_t)chars);
        jsonw_kbool(w, "flagged", flagged);
        jsonw_key(w, "passages");
        jsonw_arr_begin(w);
        for (size_t k = 0; k < p->nshown; k++) {
            const struct sim_passage *ps = &p->passages[k];
            jsonw_obj_begin(w);
            jsonw_kint(w, "chars", ps->chars);
            jsonw_kint(w, "min_df", ps->min_df);
            num(w, "weight", ps->weight);
            num(w, "rarity", ps->rarity);
            jsonw_kbool(w, "rare", ps->rarity >= RSIM_RARE);
            side(w, "in_a", a, ps->a_start, ps->a_end);
            side(w, "in_b", b, ps->b_start, ps->b_end);
            jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
        jsonw_obj_end(w);
        if (flagged && r->hits->n < RSIM_MAX_HITS &&
            !hit_has_orgs(r->hits, RSIM_TEXT, a->bid->org_id, b->bid->org_id, NULL)) {
            struct risk_sim_hit *h = &r->hits->v[r->hits->n++];
            memset(h, 0, sizeof *h);
            h->kind = RSIM_TEXT;
            h->orgs[0] = a->bid->org_id;
            h->orgs[1] = b->bid->org_id;
            h->norgs = 2;
            h->lot_no = a->bid->lot_no;
            copy_str(h->files[0], sizeof h->files[0], a->name);
            copy_str(h->files[1], sizeof h->files[1], b->name);
            h->passages = (uint32_t)p->passages_found;
            h->chars = chars;
            h->jaccard = p->jaccard;
            h->rarity = rare;
        }
    }
    jsonw_arr_end(w);
    return listed;
}

/* The metadata values documents of two or more bidders share; S2 hits. */
static int write_meta(struct run *r, struct jsonw *w)
{
    size_t n = r->ndocs;
    bool *done = calloc(n ? n : 1, sizeof *done);
    size_t *grp = calloc(n ? n : 1, sizeof *grp);
    char ti[32], tj[32];
    if (done == NULL || grp == NULL) {
        free(done);
        free(grp);
        return -1;
    }
    jsonw_key(w, "metadata");
    jsonw_arr_begin(w);
    for (int f = 0; f < MF__COUNT; f++) {
        memset(done, 0, n * sizeof *done);
        for (size_t i = 0; i < n; i++) {
            const char *vi = done[i] ? NULL : mvalue(&r->docs[i], (enum mfield)f, ti);
            if (vi == NULL)
                continue;
            size_t ng = 0;
            grp[ng++] = i;
            for (size_t j = i + 1; j < n; j++) {
                const char *vj = done[j] ? NULL : mvalue(&r->docs[j], (enum mfield)f, tj);
                if (vj != NULL && strcmp(vi, vj) == 0) {
                    done[j] = true;
                    grp[ng++] = j;
                }
            }
            int64_t orgs[RSIM_HIT_ORGS];
            int norgs = 0;
            size_t distinct = 0;
            for (size_t k = 0; k < ng; k++) {
                bool seen = false;
                for (size_t q = 0; q < k; q++)
                    seen |= r->docs[grp[q]].bid->org_id == r->docs[grp[k]].bid->org_id;
                if (seen)
                    continue;
                distinct++;
                if (norgs < RSIM_HIT_ORGS)
                    orgs[norgs++] = r->docs[grp[k]].bid->org_id;
            }
            if (distinct < 2)
                continue;
            jsonw_obj_begin(w);
            jsonw_kstr(w, "field", mfield_name[f]);
            jsonw_kstr(w, "value", vi);
            jsonw_kint(w, "orgs", (int64_t)distinct);
            jsonw_key(w, "documents");
            jsonw_arr_begin(w);
            for (size_t k = 0; k < ng; k++)
                jsonw_int(w, (int64_t)grp[k]);
            jsonw_arr_end(w);
            jsonw_obj_end(w);
            if (r->hits->n < RSIM_MAX_HITS) {
                struct risk_sim_hit *h = &r->hits->v[r->hits->n++];
                memset(h, 0, sizeof *h);
                h->kind = RSIM_META;
                memcpy(h->orgs, orgs, sizeof orgs);
                h->norgs = norgs;
                h->lot_no = r->docs[i].bid->lot_no;
                copy_str(h->field, sizeof h->field, mfield_name[f]);
                copy_str(h->value, sizeof h->value, vi);
            }
        }
    }
    jsonw_arr_end(w);
    free(done);
    free(grp);
    return 0;
}

/* One bid's documents as risk_sim_open_envelope hands them over. */
struct bid_read {
    struct run *r;
    const struct simres_bid *b;
    struct rbid *rb;
    int n; /* documents handed over */
};

/* rsim_doc_fn: one document of a bid into r->docs, its text extracted. */
static void add_doc(void *ud, const char *name, const void *data, size_t len)
{
    struct bid_read *br = ud;
    struct run *r = br->r;
    br->n++;
    if (r->ndocs == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 16;
        struct rdoc *nd = nc <= RSIM_MAX_DOCS ? realloc(r->docs, nc * sizeof *nd) : NULL;
        if (nd == NULL)
            return;
        r->docs = nd;
        r->cap = nc;
    }
    struct rdoc *d = &r->docs[r->ndocs++];
    memset(d, 0, sizeof *d);
    d->bid = br->b;
    copy_str(d->name, sizeof d->name, name);
    snprintf(d->lot, sizeof d->lot, "%lld", (long long)br->b->lot_no);
    br->rb->docs++;
    if (data == NULL || r->text_total >= RSIM_TEXT_MAX) {
        d->error = "document_too_large";
        d->dt.meta.created = d->dt.meta.modified = DOCTEXT_NO_TIME;
        return;
    }
    int e = doctext_extract(data, len, DOCTEXT_AUTO, &d->dt);
    if (e == DOCTEXT_OK && r->text_total + d->dt.len > RSIM_TEXT_MAX)
        e = DOCTEXT_TOO_LARGE;
    if (e != DOCTEXT_OK) {
        d->error = doctext_err_code(e);
        free(d->dt.text); /* the detail stays for the report */
        d->dt.text = NULL;
        d->dt.len = 0;
    } else {
        r->text_total += d->dt.len;
    }
}

/* Reads every opened bid's documents into r->docs. */
static void read_bids(struct run *r)
{
    struct buf env;
    buf_init(&env, RSIM_ENVELOPE_MAX);
    for (int i = 0; i < r->nbids; i++) {
        const struct simres_bid *b = &r->bids[i];
        struct rbid *rb = &r->rb[i];
        struct bid_read br = {r, b, rb, 0};
        uint8_t key[SUITE_KEY_LEN];
        struct seal_error serr = {0};
        rb->status = "unreadable";
        buf_reset(&env);
        if (b->key == NULL ||
            hex_decode(b->key, strlen(b->key), key, sizeof key) != SUITE_KEY_LEN) {
            snprintf(rb->reason, sizeof rb->reason, "no content key kept");
            continue;
        }
        int brc = blob_get(r->s, b->env_hash, &env);
        if (brc != STORE_OK) {
            snprintf(rb->reason, sizeof rb->reason, "envelope not read: %s", store_rc_name(brc));
            memset(key, 0, sizeof key);
            continue;
        }
        int rc = risk_sim_open_envelope(env.data, env.len, key, add_doc, &br, &serr);
        memset(key, 0, sizeof key);
        if (rc != SEAL_OK) {
            snprintf(rb->reason, sizeof rb->reason, "envelope not opened: %.130s", serr.msg);
            continue;
        }
        rb->status = br.n > 0 ? "read" : "no_documents";
    }
    buf_release(&env);
}

/* The tender's own documents into template set 0. */
static void read_templates(struct run *r, struct sim *sim)
{
    struct buf data;
    buf_init(&data, DOCTEXT_MAX_INPUT);
    for (int i = 0; i < r->ntdocs; i++) {
        struct tmpl *t = &r->tm[i];
        struct doctext dt = {0};
        t->d = &r->tdocs[i];
        buf_reset(&data);
        if (blob_get(r->s, t->d->blob_hash, &data) != STORE_OK) {
            t->error = "io_error";
            continue;
        }
        int e = doctext_extract(data.data, data.len, DOCTEXT_AUTO, &dt);
        if (e == DOCTEXT_OK) {
            t->format = doctext_format_name(dt.format);
            t->text_bytes = dt.len;
            if (sim_template_add(sim, 0, dt.text, dt.len) != SIM_OK)
                t->error = "document_too_large";
        } else {
            t->error = doctext_err_code(e);
        }
        doctext_release(&dt);
    }
    buf_release(&data);
}

static void write_head(struct run *r, struct jsonw *w, const char *status, const char *reason)
{
    jsonw_obj_begin(w);
    jsonw_kint(w, "version", 1);
    jsonw_kint(w, "tender_id", r->tender_id);
    jsonw_kint(w, "basis_version", r->basis_version);
    jsonw_kint(w, "computed_ms", clock_now_ms());
    jsonw_kstr(w, "status", status);
    jsonw_kstr(w, "reason", reason);
    jsonw_key(w, "params");
    jsonw_obj_begin(w);
    jsonw_kint(w, "shingle", SIM_DEFAULT_SHINGLE);
    jsonw_kint(w, "min_passage", SIM_DEFAULT_MIN_PASSAGE);
    jsonw_kint(w, "min_chars", RSIM_MIN_CHARS);
    num(w, "rare", RSIM_RARE);
    jsonw_obj_end(w);
    jsonw_key(w, "templates");
    jsonw_arr_begin(w);
    for (int i = 0; i < r->ntdocs; i++) {
        jsonw_obj_begin(w);
        jsonw_kstr(w, "name", r->tdocs[i].name);
        jsonw_kint(w, "version", r->tdocs[i].version);
        jsonw_kstr(w, "format", r->tm[i].format);
        jsonw_kstr(w, "error", r->tm[i].error);
        jsonw_kint(w, "text_bytes", (int64_t)r->tm[i].text_bytes);
        jsonw_obj_end(w);
    }
    jsonw_arr_end(w);
    jsonw_key(w, "bids");
    jsonw_arr_begin(w);
    for (int i = 0; i < r->nbids; i++) {
        jsonw_obj_begin(w);
        jsonw_kint(w, "bid_id", r->bids[i].bid_id);
        jsonw_kint(w, "org_id", r->bids[i].org_id);
        jsonw_kstr(w, "org_name", r->bids[i].org_name);
        jsonw_kint(w, "lot_no", r->bids[i].lot_no);
        jsonw_kstr(w, "status", r->rb[i].status);
        jsonw_kstr(w, "reason", r->rb[i].reason[0] ? r->rb[i].reason : NULL);
        jsonw_kint(w, "documents", r->rb[i].docs);
        jsonw_obj_end(w);
    }
    jsonw_arr_end(w);
    jsonw_key(w, "documents");
    jsonw_arr_begin(w);
    for (size_t i = 0; i < r->ndocs; i++) {
        const struct rdoc *d = &r->docs[i];
        jsonw_obj_begin(w);
        jsonw_kint(w, "i", (int64_t)i);
        jsonw_kint(w, "bid_id", d->bid->bid_id);
        jsonw_kint(w, "org_id", d->bid->org_id);
        jsonw_kstr(w, "org_name", d->bid->org_name);
        jsonw_kint(w, "lot_no", d->bid->lot_no);
        jsonw_kstr(w, "name", d->name);
        jsonw_kstr(w, "format", d->error ? NULL : doctext_format_name(d->dt.format));
        jsonw_kstr(w, "error", d->error);
        jsonw_kint(w, "text_bytes", (int64_t)d->dt.len);
        meta_json(w, &d->dt.meta);
        jsonw_obj_end(w);
    }
    jsonw_arr_end(w);
}

struct put {
    const struct simres_row *row;
};

static enum err put_tx(struct store_tx *tx, void *arg)
{
    const struct put *p = arg;
    return domain_store_err(store_simres_put(tx, p->row));
}

enum err risk_sim_refresh(struct store *s, int64_t tender_id, int64_t basis_version,
                          struct risk_sim_hits *hits)
{
    struct store_tx *tx = NULL;
    struct arena a;
    struct page bids = {0}, tdocs = {0};
    struct run r = {0};
    struct sim *sim = NULL;
    struct sim_doc *sd = NULL;
    struct sim_result res = {0};
    struct buf json;
    struct jsonw w;
    const char *status = "done", *reason = NULL;
    int64_t listed = 0;
    enum err e = ERR_OK;
    hits->n = 0;
    hits->computed = false;
    arena_init(&a, (size_t)16 << 20);
    buf_init(&json, RSIM_JSON_MAX);
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_simres_bids(tx, &a, tender_id, RSIM_MAX_BIDS, &bids);
    if (rc == STORE_OK)
        rc = store_tender_doc_list(tx, &a, tender_id, RSIM_MAX_TEMPLATE, &tdocs);
    store_rollback(tx);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    r.s = s;
    r.tender_id = tender_id;
    r.basis_version = basis_version;
    r.bids = bids.items;
    r.nbids = bids.n;
    r.tdocs = tdocs.items;
    r.ntdocs = tdocs.n;
    r.hits = hits;
    r.rb = calloc((size_t)(bids.n ? bids.n : 1), sizeof *r.rb);
    r.tm = calloc((size_t)(tdocs.n ? tdocs.n : 1), sizeof *r.tm);
    struct sim_params p;
    sim_params_init(&p);
    p.threads = 1;
    p.max_shown = RSIM_PASSAGES;
    sim = sim_new(&p);
    if (r.rb == NULL || r.tm == NULL || sim == NULL) {
        e = ERR_INTERNAL;
        goto out;
    }
    read_templates(&r, sim);
    read_bids(&r);
    int src = SIM_OK;
    if (r.ndocs > 0) {
        sd = calloc(r.ndocs, sizeof *sd);
        if (sd == NULL) {
            e = ERR_INTERNAL;
            goto out;
        }
        for (size_t i = 0; i < r.ndocs; i++) {
            sd[i].id = r.docs[i].name;
            sd[i].lot = r.docs[i].lot;
            sd[i].error = r.docs[i].error;
            sd[i].format = r.docs[i].error ? NULL : doctext_format_name(r.docs[i].dt.format);
            sd[i].meta = &r.docs[i].dt.meta;
            sd[i].template_set = -1;
        }
        struct sim_source source = {load_text, NULL, &r};
        src = sim_run(sim, sd, r.ndocs, &source, &res);
    }
    if (src != SIM_OK) {
        status = "failed";
        reason = sim_err_code(src);
    }
    jsonw_init(&w, &json);
    write_head(&r, &w, status, reason);
    if (src == SIM_OK) {
        listed = write_pairs(&r, &w, &res);
        if (write_meta(&r, &w) != 0) {
            e = ERR_INTERNAL;
            goto out;
        }
        jsonw_key(&w, "stats");
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "documents", (int64_t)r.ndocs);
        jsonw_kint(&w, "analysed", (int64_t)res.analysed);
        jsonw_kint(&w, "candidates", (int64_t)res.verified);
        jsonw_kint(&w, "similar_pairs", (int64_t)res.npairs);
        jsonw_kint(&w, "text_bytes", (int64_t)r.text_total);
        jsonw_obj_end(&w);
        hits->computed = true;
    }
    jsonw_obj_end(&w);
    if (jsonw_finish(&w) != 0) {
        /* too large to keep: say so instead */
        buf_reset(&json);
        hits->n = 0;
        hits->computed = false;
        listed = 0;
        status = "failed";
        jsonw_init(&w, &json);
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "version", 1);
        jsonw_kint(&w, "tender_id", tender_id);
        jsonw_kint(&w, "basis_version", basis_version);
        jsonw_kstr(&w, "status", status);
        jsonw_kstr(&w, "reason", "result_too_large");
        jsonw_obj_end(&w);
        if (jsonw_finish(&w) != 0) {
            e = ERR_INTERNAL;
            goto out;
        }
    }
    if (!hits->computed)
        log_warn("similarity: tender %lld: %s", (long long)tender_id,
                 reason ? reason : "result_too_large");
    struct simres_row row = {tender_id, basis_version, status, listed, json.data, clock_now_ms()};
    struct put pt = {&row};
    e = domain_write(s, put_tx, &pt);
out:
    sim_result_release(&res);
    sim_free(sim);
    free(sd);
    for (size_t i = 0; i < r.ndocs; i++)
        doctext_release(&r.docs[i].dt);
    free(r.docs);
    free(r.rb);
    free(r.tm);
    buf_release(&json);
    arena_release(&a);
    if (e != ERR_OK) {
        hits->n = 0;
        hits->computed = false;
    }
    return e;
}
