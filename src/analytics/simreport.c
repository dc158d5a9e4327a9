/*
 * simreport.c — the similarity report as JSON (docs/similarity.md, "The
 * report"), and the metadata comparisons that need only the documents'
 * metadata: groups of documents with an equal field, and pairs of DOCX
 * files that share Word revision-session ids (rsids).
 *
 * The output depends only on the inputs and the parameters (no timings,
 * no thread count), so two runs can be compared with diff.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analytics/similarity_internal.h"
#include "base/jsonw.h"

enum meta_field {
    MF_AUTHOR,
    MF_LAST_MODIFIED_BY,
    MF_COMPANY,
    MF_APPLICATION,
    MF_PRODUCER,
    MF_TEMPLATE,
    MF_BUILD,
    MF_RSID_ROOT,
    MF_PDF_ID,
    MF_CREATED,
    MF_MODIFIED,
    MF__COUNT
};

static const char *const field_name[MF__COUNT] = {
    "author", "last_modified_by", "company", "application", "producer", "template",
    "build",  "rsid_root",        "pdf_id",  "created",     "modified"};

static const char *meta_str(const struct doctext_meta *m, enum meta_field f)
{
    switch (f) {
    case MF_AUTHOR:
        return m->author;
    case MF_LAST_MODIFIED_BY:
        return m->last_modified_by;
    case MF_COMPANY:
        return m->company;
    case MF_APPLICATION:
        return m->application;
    case MF_PRODUCER:
        return m->producer;
    case MF_TEMPLATE:
        return m->template_name;
    case MF_BUILD:
        return m->build;
    case MF_RSID_ROOT:
        return m->rsid_root;
    case MF_PDF_ID:
        return m->pdf_id;
    default:
        return NULL;
    }
}

static bool meta_time(const struct doctext_meta *m, enum meta_field f, int64_t *t)
{
    if (f != MF_CREATED && f != MF_MODIFIED)
        return false;
    *t = f == MF_CREATED ? m->created : m->modified;
    return *t != DOCTEXT_NO_TIME;
}

/* Whether documents a and b have field f, equal. */
static bool same_field(const struct doctext_meta *a, const struct doctext_meta *b,
                       enum meta_field f)
{
    if (a == NULL || b == NULL)
        return false;
    int64_t ta, tb;
    if (meta_time(a, f, &ta))
        return meta_time(b, f, &tb) && ta == tb;
    const char *sa = meta_str(a, f), *sb = meta_str(b, f);
    return sa != NULL && sb != NULL && strcmp(sa, sb) == 0;
}

static size_t shared_rsids(const struct doctext_meta *a, const struct doctext_meta *b)
{
    if (a == NULL || b == NULL)
        return 0;
    size_t i = 0, j = 0, n = 0;
    while (i < a->nrsids && j < b->nrsids) {
        int c = strcmp(a->rsids[i], b->rsids[j]);
        if (c == 0) {
            n++;
            i++;
            j++;
        } else if (c < 0) {
            i++;
        } else {
            j++;
        }
    }
    return n;
}

static void put_num(struct jsonw *w, const char *key, double v)
{
    char tmp[40];
    jsonw_key(w, key);
    if (!isfinite(v)) {
        jsonw_null(w);
        return;
    }
    int n = snprintf(tmp, sizeof tmp, "%.6g", v);
    jsonw_raw(w, tmp, (size_t)n);
}

static void put_time(struct jsonw *w, const char *key, int64_t t)
{
    jsonw_key(w, key);
    if (t == DOCTEXT_NO_TIME) {
        jsonw_null(w);
        return;
    }
    time_t tt = (time_t)t;
    struct tm tm;
    char tmp[64];
    if (gmtime_r(&tt, &tm) == NULL || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
        jsonw_int(w, t);
        return;
    }
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    jsonw_str(w, tmp);
}

static void write_meta(struct jsonw *w, const struct doctext_meta *m)
{
    jsonw_key(w, "meta");
    if (m == NULL) {
        jsonw_null(w);
        return;
    }
    jsonw_obj_begin(w);
    jsonw_kstr(w, "title", m->title);
    for (int f = 0; f < MF_CREATED; f++)
        jsonw_kstr(w, field_name[f], meta_str(m, (enum meta_field)f));
    put_time(w, "created", m->created);
    put_time(w, "modified", m->modified);
    jsonw_kint(w, "rsids", (int64_t)m->nrsids);
    jsonw_obj_end(w);
}

struct fv {
    const char *s; /* the value, or NULL for a time */
    int64_t t;
    uint32_t doc;
};

static int cmp_fv(const void *x, const void *y)
{
    const struct fv *a = x, *b = y;
    if (a->s != NULL && b->s != NULL) {
        int c = strcmp(a->s, b->s);
        if (c != 0)
            return c;
    } else if (a->t != b->t) {
        return a->t < b->t ? -1 : 1;
    }
    return (a->doc > b->doc) - (a->doc < b->doc);
}

static bool fv_eq(const struct fv *a, const struct fv *b)
{
    return a->s != NULL ? strcmp(a->s, b->s) == 0 : a->t == b->t;
}

/* "metadata_groups": for each field, the documents sharing a value. */
static int write_groups(struct jsonw *w, const struct sim_doc *docs, size_t n)
{
    struct fv *v = malloc((n ? n : 1) * sizeof *v);
    if (v == NULL)
        return SIM_NOMEM;
    jsonw_key(w, "metadata_groups");
    jsonw_arr_begin(w);
    for (int f = 0; f < MF__COUNT; f++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            const struct doctext_meta *m = docs[i].meta;
            if (m == NULL)
                continue;
            int64_t t;
            if (meta_time(m, (enum meta_field)f, &t))
                v[k++] = (struct fv){NULL, t, (uint32_t)i};
            else if (meta_str(m, (enum meta_field)f) != NULL)
                v[k++] = (struct fv){meta_str(m, (enum meta_field)f), 0, (uint32_t)i};
        }
        qsort(v, k, sizeof *v, cmp_fv);
        for (size_t i = 0; i < k;) {
            size_t j = i + 1;
            while (j < k && fv_eq(&v[i], &v[j]))
                j++;
            if (j - i >= 2) {
                jsonw_obj_begin(w);
                jsonw_kstr(w, "field", field_name[f]);
                if (v[i].s != NULL)
                    jsonw_kstr(w, "value", v[i].s);
                else
                    put_time(w, "value", v[i].t);
                jsonw_key(w, "documents");
                jsonw_arr_begin(w);
                for (size_t x = i; x < j; x++)
                    jsonw_int(w, v[x].doc);
                jsonw_arr_end(w);
                jsonw_obj_end(w);
            }
            i = j;
        }
    }
    jsonw_arr_end(w);
    free(v);
    return SIM_OK;
}

struct rs {
    const char *rsid;
    uint32_t doc;
};

static int cmp_rs(const void *x, const void *y)
{
    const struct rs *a = x, *b = y;
    int c = strcmp(a->rsid, b->rsid);
    if (c != 0)
        return c;
    return (a->doc > b->doc) - (a->doc < b->doc);
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

/* "rsid_pairs": pairs of documents sharing revision-session ids. An rsid
 * found in more than max_bucket documents (a common template's) is ignored,
 * as LSH ignores boilerplate. */
static int write_rsid_pairs(const struct sim *s, struct jsonw *w, const struct sim_doc *docs,
                            size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        if (docs[i].meta != NULL)
            total += docs[i].meta->nrsids;
    struct rs *e = malloc((total ? total : 1) * sizeof *e);
    uint64_t *pk = NULL;
    size_t np = 0, pcap = 0;
    int rc = SIM_OK;
    if (e == NULL)
        return SIM_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (docs[i].meta != NULL)
            for (size_t j = 0; j < docs[i].meta->nrsids; j++)
                e[k++] = (struct rs){docs[i].meta->rsids[j], (uint32_t)i};
    qsort(e, k, sizeof *e, cmp_rs);
    for (size_t i = 0; i < k && rc == SIM_OK;) {
        size_t j = i + 1;
        while (j < k && strcmp(e[j].rsid, e[i].rsid) == 0)
            j++;
        if (j - i >= 2 && j - i <= s->p.max_bucket) {
            for (size_t x = i; x < j && rc == SIM_OK; x++) {
                for (size_t y = x + 1; y < j; y++) {
                    if (e[x].doc == e[y].doc)
                        continue;
                    if (np == pcap) {
                        size_t nc = pcap ? pcap * 2 : 64;
                        uint64_t *g = realloc(pk, nc * sizeof *g);
                        if (g == NULL) {
                            rc = SIM_NOMEM;
                            break;
                        }
                        pk = g;
                        pcap = nc;
                    }
                    pk[np++] = (uint64_t)e[x].doc << 32 | e[y].doc;
                }
            }
        }
        i = j;
    }
    if (rc == SIM_OK) {
        if (np > 1)
            qsort(pk, np, sizeof *pk, cmp_u64);
        jsonw_key(w, "rsid_pairs");
        jsonw_arr_begin(w);
        for (size_t i = 0; i < np;) {
            size_t j = i + 1;
            while (j < np && pk[j] == pk[i])
                j++;
            jsonw_obj_begin(w);
            jsonw_kint(w, "a", (int64_t)(pk[i] >> 32));
            jsonw_kint(w, "b", (int64_t)(uint32_t)pk[i]);
            jsonw_kint(w, "shared", (int64_t)(j - i));
            jsonw_obj_end(w);
            i = j;
        }
        jsonw_arr_end(w);
    }
    free(e);
    free(pk);
    return rc;
}

static void write_params(struct jsonw *w, const struct sim_params *p)
{
    char seed[24];
    snprintf(seed, sizeof seed, "%016" PRIx64, p->seed);
    jsonw_key(w, "params");
    jsonw_obj_begin(w);
    jsonw_kint(w, "shingle", p->shingle);
    jsonw_kint(w, "hashes", p->hashes);
    jsonw_kint(w, "bands", p->bands);
    jsonw_kint(w, "rows", p->hashes / p->bands);
    put_num(w, "lsh_threshold", pow(1.0 / p->bands, 1.0 / (double)(p->hashes / p->bands)));
    jsonw_kint(w, "segment", p->segment);
    jsonw_kint(w, "stride", p->segment / 2);
    jsonw_kint(w, "min_segment", p->min_segment);
    jsonw_kint(w, "max_bucket", p->max_bucket);
    jsonw_kint(w, "exhaustive_lot", p->exhaustive_lot);
    jsonw_kint(w, "min_passage", p->min_passage);
    jsonw_kint(w, "max_repeat", p->max_repeat);
    jsonw_kstr(w, "seed", seed);
    jsonw_kbool(w, "within_lots", p->within_lots);
    jsonw_kstr(w, "weight", "idf = ln((N + 1) / df)");
    jsonw_obj_end(w);
}

static void write_pair(struct jsonw *w, const struct sim_doc *docs, const struct sim_pair *p)
{
    const struct sim_doc *da = &docs[p->a], *db = &docs[p->b];
    const char *la = da->lot != NULL ? da->lot : "", *lb = db->lot != NULL ? db->lot : "";
    jsonw_obj_begin(w);
    jsonw_kint(w, "a", p->a);
    jsonw_kint(w, "b", p->b);
    jsonw_kstr(w, "a_id", da->id);
    jsonw_kstr(w, "b_id", db->id);
    jsonw_kbool(w, "same_lot", strcmp(la, lb) == 0);
    jsonw_kint(w, "lsh_hits", p->lsh_hits);
    jsonw_kbool(w, "exhaustive", p->exhaustive);
    put_num(w, "weight", p->weight);
    put_num(w, "jaccard", p->jaccard);
    put_num(w, "containment_a", p->containment_a);
    put_num(w, "containment_b", p->containment_b);
    jsonw_kint(w, "shingles_a", (int64_t)p->shingles_a);
    jsonw_kint(w, "shingles_b", (int64_t)p->shingles_b);
    jsonw_kint(w, "shared_shingles", (int64_t)p->shared);
    jsonw_kint(w, "passages_found", (int64_t)p->passages_found);
    jsonw_key(w, "same_metadata");
    jsonw_arr_begin(w);
    for (int f = 0; f < MF__COUNT; f++)
        if (same_field(da->meta, db->meta, (enum meta_field)f))
            jsonw_str(w, field_name[f]);
    jsonw_arr_end(w);
    jsonw_kint(w, "shared_rsids", (int64_t)shared_rsids(da->meta, db->meta));
    jsonw_key(w, "passages");
    jsonw_arr_begin(w);
    for (size_t i = 0; i < p->nshown; i++) {
        const struct sim_passage *q = &p->passages[i];
        jsonw_obj_begin(w);
        jsonw_kint(w, "a_start", (int64_t)q->a_start);
        jsonw_kint(w, "a_end", (int64_t)q->a_end);
        jsonw_kint(w, "b_start", (int64_t)q->b_start);
        jsonw_kint(w, "b_end", (int64_t)q->b_end);
        jsonw_kint(w, "chars", q->chars);
        put_num(w, "weight", q->weight);
        put_num(w, "rarity", q->rarity);
        jsonw_kint(w, "min_df", q->min_df);
        jsonw_kstr(w, "text", q->text);
        jsonw_kbool(w, "truncated", q->truncated);
        jsonw_obj_end(w);
    }
    jsonw_arr_end(w);
    jsonw_obj_end(w);
}

int sim_write_json(const struct sim *s, const struct sim_doc *docs, const struct sim_result *r,
                   struct buf *out)
{
    struct jsonw w;
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "version", 1);
    write_params(&w, &s->p);
    jsonw_key(&w, "stats");
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "documents", (int64_t)r->ndocs);
    jsonw_kint(&w, "analysed", (int64_t)r->analysed);
    jsonw_kint(&w, "text_bytes", (int64_t)r->text_bytes);
    jsonw_kint(&w, "segments", (int64_t)r->segments);
    jsonw_kint(&w, "boilerplate_buckets", (int64_t)r->boilerplate);
    jsonw_kint(&w, "lsh_pairs", (int64_t)r->lsh_pairs);
    jsonw_kint(&w, "exhaustive_pairs", (int64_t)r->exhaustive_pairs);
    jsonw_kint(&w, "verified_pairs", (int64_t)r->verified);
    jsonw_kint(&w, "reported_pairs", (int64_t)r->npairs);
    jsonw_kint(&w, "evidence_shingles", (int64_t)r->evidence_shingles);
    jsonw_obj_end(&w);

    jsonw_key(&w, "documents");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < r->ndocs; i++) {
        const struct sim_doc *d = &docs[i];
        const struct sim_docstat *st = &r->docs[i];
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "index", (int64_t)i);
        jsonw_kstr(&w, "id", d->id);
        jsonw_kstr(&w, "lot", d->lot != NULL ? d->lot : "");
        jsonw_kstr(&w, "format", d->format);
        jsonw_kstr(&w, "error", st->failed ? (d->error != NULL ? d->error : "unreadable") : NULL);
        if (st->failed && d->error_detail != NULL)
            jsonw_kstr(&w, "error_detail", d->error_detail);
        jsonw_kint(&w, "text_bytes", (int64_t)st->text_bytes);
        jsonw_kint(&w, "chars", (int64_t)st->chars);
        jsonw_kint(&w, "shingles", (int64_t)st->shingles);
        jsonw_kint(&w, "template_shingles", (int64_t)st->template_shingles);
        jsonw_kint(&w, "segments", st->segments);
        write_meta(&w, d->meta);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);

    jsonw_key(&w, "pairs");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < r->npairs; i++)
        write_pair(&w, docs, &r->pairs[i]);
    jsonw_arr_end(&w);

    int rc = write_groups(&w, docs, r->ndocs);
    if (rc == SIM_OK)
        rc = write_rsid_pairs(s, &w, docs, r->ndocs);
    jsonw_obj_end(&w);
    if (rc != SIM_OK)
        return rc;
    return jsonw_finish(&w) == JSONW_OK ? SIM_OK : SIM_NOMEM;
}
