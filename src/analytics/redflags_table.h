/*
 * redflags_table.h — the hash tables behind redflags.c (internal).
 *
 * Every identifier a run keeps (ocid, buyer, tenderer, currency, item
 * classification prefix) is interned once in an rf_strtab and afterwards
 * handled as a dense uint32 id, given in first-seen order. Everything keyed
 * by identifiers is then an rf_map from a 64-bit key (an id, or two ids
 * packed) to a dense uint32 slot, also given in insertion order, so that
 * iterating the slots walks the keys in the order the input first named
 * them: the output never depends on hash values.
 *
 * Both tables use open addressing with linear probing at a load factor of at
 * most 1/2 and grow by doubling. The hashes (FNV-1a over the bytes, a
 * splitmix64 finaliser over keys) are not keyed: a file crafted to collide
 * slows a run down, it cannot make it wrong. Not thread-safe.
 */
#ifndef SUNBID_REDFLAGS_TABLE_H
#define SUNBID_REDFLAGS_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

#define RF_NO_ID UINT32_MAX /* "no identifier" */

struct rf_strtab {
    struct arena mem; /* the bytes of every string, NUL-terminated */
    const char **str; /* id -> bytes */
    uint32_t *len;    /* id -> length in bytes */
    uint64_t *hash;   /* id -> hash of its bytes */
    uint32_t n, cap;  /* ids in use, allocated */
    uint32_t *slots;  /* open addressing over ids: id + 1, 0 = empty */
    size_t nslots;    /* a power of two, >= 2 n */
};

void rf_strtab_init(struct rf_strtab *t);
void rf_strtab_release(struct rf_strtab *t);
/* The id of the n bytes at s, interning them when new. Returns false on out
 * of memory (or past 2^32 - 2 ids). */
bool rf_intern(struct rf_strtab *t, const char *s, size_t n, uint32_t *id);
/* The id of s if already interned; RF_NO_ID otherwise. */
uint32_t rf_lookup(const struct rf_strtab *t, const char *s, size_t n);

struct rf_map {
    uint64_t *keys; /* per bucket */
    uint32_t *vals; /* per bucket: slot, RF_NO_ID = empty */
    size_t cap;     /* buckets, a power of two (0 before the first insert) */
    size_t n;       /* keys held */
};

void rf_map_init(struct rf_map *m);
void rf_map_release(struct rf_map *m);
/* The slot of key, or RF_NO_ID. */
uint32_t rf_map_get(const struct rf_map *m, uint64_t key);
/* The slot of key; when absent, inserts it with slot m->n (so slots count up
 * from 0 in insertion order) and sets *added. Returns RF_NO_ID on out of
 * memory. */
uint32_t rf_map_add(struct rf_map *m, uint64_t key, bool *added);

static inline uint64_t rf_pair(uint32_t a, uint32_t b)
{
    return ((uint64_t)a << 32) | b;
}

/* Grows a heap array *p of *cap elements of size sz to hold at least need.
 * Returns false on out of memory (the array is untouched). */
bool rf_grow(void **p, size_t *cap, size_t need, size_t sz);

#endif
