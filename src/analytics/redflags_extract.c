/*
 * redflags_extract.c — one JSONL line to the members of a release the red
 * flags read (struct rf_xrelease, redflags_internal.h).
 *
 * jansson parses the whole line (JSON_DECODE_ANY, so a line holding an
 * array or a number is valid JSON that is simply not a release, as in
 * Cardinal; JSON_DECODE_INT_AS_REAL, so every number is read as a double
 * like Cardinal's as_f64() and no integer is too big), then the members are
 * copied out as Cardinal's serde_json accessors see them: a member of the
 * wrong JSON type is absent. The tree is freed before returning, on the
 * thread that built it (glibc's malloc is far slower when trees outlive
 * their line or die on another thread), so a batch of lines in flight
 * holds only the copies. Thread-safe: no state but the caller's rf_mem.
 */
#include "analytics/redflags_internal.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#define MEM_BLOCK ((size_t)64 << 10) /* bytes of an ordinary rf_mem block */

struct rf_mem_block {
    struct rf_mem_block *next;
    size_t size; /* usable bytes */
    size_t used;
    alignas(16) unsigned char data[];
};

void *rf_mem_alloc(struct rf_mem *m, size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    if (need < n)
        return NULL;
    struct rf_mem_block *b = m->cur;
    while (b != NULL && b->size - b->used < need) {
        b = b->next;
        if (b != NULL)
            b->used = 0; /* a block from before the last reset */
    }
    if (b == NULL) {
        size_t size = need > MEM_BLOCK ? need : MEM_BLOCK;
        b = malloc(sizeof(*b) + size);
        if (b == NULL)
            return NULL;
        b->size = size;
        b->used = 0;
        /* Into the chain after cur, so the blocks keep their order. */
        if (m->cur == NULL) {
            b->next = m->first;
            m->first = b;
        } else {
            b->next = m->cur->next;
            m->cur->next = b;
        }
    }
    m->cur = b;
    void *p = b->data + b->used;
    b->used += need;
    return p;
}

void rf_mem_reset(struct rf_mem *m)
{
    m->cur = m->first;
    if (m->cur != NULL)
        m->cur->used = 0;
}

void rf_mem_release(struct rf_mem *m)
{
    struct rf_mem_block *b = m->first;
    while (b != NULL) {
        struct rf_mem_block *next = b->next;
        free(b);
        b = next;
    }
    m->first = m->cur = NULL;
}

static bool ascii_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

struct ctx {
    struct rf_mem *mem;
    bool oom;
};

static json_t *get(json_t *o, const char *k)
{
    return json_is_object(o) ? json_object_get(o, k) : NULL;
}

static json_t *get_obj(json_t *o, const char *k)
{
    json_t *v = get(o, k);
    return json_is_object(v) ? v : NULL;
}

static json_t *get_arr(json_t *o, const char *k)
{
    json_t *v = get(o, k);
    return json_is_array(v) ? v : NULL;
}

/* A copy of the string member k of o, or an absent string. */
static struct rf_str str(struct ctx *c, json_t *o, const char *k)
{
    struct rf_str r = {NULL, 0};
    json_t *v = get(o, k);
    if (!json_is_string(v))
        return r;
    size_t n = json_string_length(v);
    char *d = rf_mem_alloc(c->mem, n + 1);
    if (d == NULL) {
        c->oom = true;
        return r;
    }
    memcpy(d, json_string_value(v), n);
    d[n] = '\0';
    r.s = d;
    r.n = n;
    return r;
}

static void *alloc_array(struct ctx *c, size_t n, size_t sz)
{
    if (n == 0)
        return NULL;
    if (n > SIZE_MAX / sz) {
        c->oom = true;
        return NULL;
    }
    void *p = rf_mem_alloc(c->mem, n * sz);
    if (p == NULL)
        c->oom = true;
    return p;
}

/* The "id" of every element of the array member k of o (absent ids for
 * elements without a string id), and the array's length. */
static const struct rf_str *ids(struct ctx *c, json_t *o, const char *k, size_t *n)
{
    json_t *arr = get_arr(o, k);
    *n = 0;
    size_t len = json_array_size(arr);
    struct rf_str *out = alloc_array(c, len, sizeof(*out));
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++)
        out[i] = str(c, json_array_get(arr, i), "id");
    *n = len;
    return out;
}

static void extract_bids(struct ctx *c, json_t *root, struct rf_xrelease *r)
{
    json_t *details = get_arr(get_obj(root, "bids"), "details");
    size_t n = json_array_size(details);
    struct rf_xbid *bids = alloc_array(c, n, sizeof(*bids));
    if (bids == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        json_t *bid = json_array_get(details, i);
        struct rf_xbid *b = &bids[i];
        memset(b, 0, sizeof(*b));
        b->status = str(c, bid, "status");
        b->date = str(c, bid, "date");
        b->tenderers = ids(c, bid, "tenderers", &b->ntenderers);
        json_t *value = get_obj(bid, "value");
        json_t *amount = get(value, "amount");
        if (json_is_number(amount)) {
            b->has_amount = true;
            b->amount = json_number_value(amount);
        }
        b->currency = str(c, value, "currency");
    }
    r->bids = bids;
    r->nbids = n;
}

static void extract_awards(struct ctx *c, json_t *root, struct rf_xrelease *r)
{
    json_t *awards = get_arr(root, "awards");
    size_t n = json_array_size(awards);
    struct rf_xaward *out = alloc_array(c, n, sizeof(*out));
    if (out == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        json_t *award = json_array_get(awards, i);
        struct rf_xaward *a = &out[i];
        memset(a, 0, sizeof(*a));
        a->status = str(c, award, "status");
        a->suppliers = ids(c, award, "suppliers", &a->nsuppliers);
        json_t *items = get_arr(award, "items");
        size_t ni = json_array_size(items), k = 0;
        struct rf_str *codes = alloc_array(c, ni, sizeof(*codes));
        for (size_t j = 0; codes != NULL && j < ni; j++) {
            struct rf_str code = str(c, get_obj(json_array_get(items, j), "classification"), "id");
            if (code.s != NULL)
                codes[k++] = code;
        }
        a->codes = codes;
        a->ncodes = k;
    }
    r->awards = out;
    r->nawards = n;
}

enum rf_line rf_parse_line(const char *line, size_t len, struct rf_mem *mem,
                           struct rf_xrelease *out, json_error_t *err)
{
    memset(out, 0, sizeof(*out));
    if (len > 0 && line[len - 1] == '\r')
        len--;
    size_t k = 0;
    while (k < len && ascii_space(line[k]))
        k++;
    if (k == len)
        return RF_LINE_BLANK;
    json_t *root = json_loadb(line, len, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, err);
    if (root == NULL)
        return RF_LINE_INVALID;
    struct ctx c = {mem, false};
    out->ocid = str(&c, root, "ocid");
    if (out->ocid.s != NULL) {
        json_t *tender = get_obj(root, "tender");
        json_t *period = get_obj(tender, "tenderPeriod");
        json_t *ntenderers = get(tender, "numberOfTenderers");
        out->status = str(&c, tender, "status");
        out->method = str(&c, tender, "procurementMethod");
        out->details = str(&c, tender, "procurementMethodDetails");
        out->start = str(&c, period, "startDate");
        out->end = str(&c, period, "endDate");
        out->procuring_entity = str(&c, get_obj(tender, "procuringEntity"), "id");
        out->buyer = str(&c, get_obj(root, "buyer"), "id");
        if (json_is_number(ntenderers)) {
            out->has_ntenderers = true;
            out->ntenderers = json_number_value(ntenderers);
        }
        extract_bids(&c, root, out);
        extract_awards(&c, root, out);
    }
    json_decref(root);
    return c.oom ? RF_LINE_NOMEM : RF_LINE_JSON;
}
