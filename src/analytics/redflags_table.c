/*
 * redflags_table.c — interned strings and insertion-ordered maps for the red
 * flags (redflags_table.h). Single-threaded, owned by one run.
 */
#include "analytics/redflags_table.h"

#include <stdlib.h>
#include <string.h>

#include "base/hash.h"

#define RF_STRTAB_MAX_BYTES ((size_t)1 << 36) /* interned bytes per run */

bool rf_grow(void **p, size_t *cap, size_t need, size_t sz)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / sz)
            return false;
        ncap *= 2;
    }
    void *np = realloc(*p, ncap * sz);
    if (np == NULL)
        return false;
    *p = np;
    *cap = ncap;
    return true;
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

void rf_strtab_init(struct rf_strtab *t)
{
    memset(t, 0, sizeof(*t));
    arena_init(&t->mem, RF_STRTAB_MAX_BYTES);
}

void rf_strtab_release(struct rf_strtab *t)
{
    arena_release(&t->mem);
    free(t->str);
    free(t->len);
    free(t->hash);
    free(t->slots);
    memset(t, 0, sizeof(*t));
}

static uint64_t str_hash(const char *s, size_t n)
{
    return mix64(hash_fnv1a64(HASH_FNV1A64_SEED, s, n));
}

/* Rebuilds the slot array at twice the size. */
static bool strtab_rehash(struct rf_strtab *t)
{
    size_t ns = t->nslots ? t->nslots * 2 : 64;
    uint32_t *slots = calloc(ns, sizeof(*slots));
    if (slots == NULL)
        return false;
    for (uint32_t id = 0; id < t->n; id++) {
        size_t i = (size_t)t->hash[id] & (ns - 1);
        while (slots[i] != 0)
            i = (i + 1) & (ns - 1);
        slots[i] = id + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = ns;
    return true;
}

uint32_t rf_lookup(const struct rf_strtab *t, const char *s, size_t n)
{
    if (t->nslots == 0)
        return RF_NO_ID;
    uint64_t h = str_hash(s, n);
    size_t i = (size_t)h & (t->nslots - 1);
    while (t->slots[i] != 0) {
        uint32_t id = t->slots[i] - 1;
        if (t->hash[id] == h && t->len[id] == n && memcmp(t->str[id], s, n) == 0)
            return id;
        i = (i + 1) & (t->nslots - 1);
    }
    return RF_NO_ID;
}

bool rf_intern(struct rf_strtab *t, const char *s, size_t n, uint32_t *id)
{
    if (n > UINT32_MAX)
        return false;
    if (t->nslots == 0 && !strtab_rehash(t))
        return false;
    uint64_t h = str_hash(s, n);
    size_t i = (size_t)h & (t->nslots - 1);
    while (t->slots[i] != 0) {
        uint32_t cand = t->slots[i] - 1;
        if (t->hash[cand] == h && t->len[cand] == n && memcmp(t->str[cand], s, n) == 0) {
            *id = cand;
            return true;
        }
        i = (i + 1) & (t->nslots - 1);
    }
    if (t->n >= UINT32_MAX - 2)
        return false;
    if (t->n == t->cap) {
        /* The three arrays grow in step; when one realloc fails the others
         * are merely larger than cap, and the next call tries again. */
        size_t ncap = t->cap ? (size_t)t->cap * 2 : 64;
        if (ncap > UINT32_MAX)
            ncap = UINT32_MAX;
        const char **nstr = realloc(t->str, ncap * sizeof(*nstr));
        if (nstr == NULL)
            return false;
        t->str = nstr;
        uint32_t *nlen = realloc(t->len, ncap * sizeof(*nlen));
        if (nlen == NULL)
            return false;
        t->len = nlen;
        uint64_t *nhash = realloc(t->hash, ncap * sizeof(*nhash));
        if (nhash == NULL)
            return false;
        t->hash = nhash;
        t->cap = (uint32_t)ncap;
    }
    char *copy = arena_strndup(&t->mem, s, n);
    if (copy == NULL)
        return false;
    uint32_t nid = t->n++;
    t->str[nid] = copy;
    t->len[nid] = (uint32_t)n;
    t->hash[nid] = h;
    t->slots[i] = nid + 1;
    if ((size_t)t->n * 2 > t->nslots && !strtab_rehash(t)) {
        /* The new id is interned; only the table could not grow. Undo it so
         * the table never passes half full. */
        t->slots[i] = 0;
        t->n--;
        return false;
    }
    *id = nid;
    return true;
}

void rf_map_init(struct rf_map *m)
{
    memset(m, 0, sizeof(*m));
}

void rf_map_release(struct rf_map *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof(*m));
}

uint32_t rf_map_get(const struct rf_map *m, uint64_t key)
{
    if (m->cap == 0)
        return RF_NO_ID;
    size_t i = (size_t)mix64(key) & (m->cap - 1);
    while (m->vals[i] != RF_NO_ID) {
        if (m->keys[i] == key)
            return m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    return RF_NO_ID;
}

static bool map_rehash(struct rf_map *m)
{
    size_t nc = m->cap ? m->cap * 2 : 64;
    uint64_t *keys = malloc(nc * sizeof(*keys));
    uint32_t *vals = malloc(nc * sizeof(*vals));
    if (keys == NULL || vals == NULL) {
        free(keys);
        free(vals);
        return false;
    }
    memset(vals, 0xff, nc * sizeof(*vals));
    for (size_t j = 0; j < m->cap; j++) {
        if (m->vals[j] == RF_NO_ID)
            continue;
        size_t i = (size_t)mix64(m->keys[j]) & (nc - 1);
        while (vals[i] != RF_NO_ID)
            i = (i + 1) & (nc - 1);
        keys[i] = m->keys[j];
        vals[i] = m->vals[j];
    }
    free(m->keys);
    free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->cap = nc;
    return true;
}

uint32_t rf_map_add(struct rf_map *m, uint64_t key, bool *added)
{
    *added = false;
    if ((m->n + 1) * 2 > m->cap && !map_rehash(m))
        return RF_NO_ID;
    if (m->n >= RF_NO_ID - 1)
        return RF_NO_ID;
    size_t i = (size_t)mix64(key) & (m->cap - 1);
    while (m->vals[i] != RF_NO_ID) {
        if (m->keys[i] == key)
            return m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    m->keys[i] = key;
    m->vals[i] = (uint32_t)m->n++;
    *added = true;
    return m->vals[i];
}
