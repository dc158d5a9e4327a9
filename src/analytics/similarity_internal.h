/*
 * similarity_internal.h — what the files of the similarity analysis share
 * (similarity.c: the passes; simtext.c: normalising, shingling, templates;
 * simpair.c: comparing one pair; simreport.c: the JSON). Not an API.
 */
#ifndef SUNBID_SIMILARITY_INTERNAL_H
#define SUNBID_SIMILARITY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analytics/similarity.h"

/* splitmix64's finaliser: a bijection that spreads every input bit. */
static inline uint64_t sim_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* A set of 64-bit shingle hashes: open addressing, linear probing, 0 is
 * the empty slot (a hash of 0 is stored as 1). */
struct sim_hset {
    uint64_t *slot;
    size_t cap; /* power of two */
    size_t n;
};

int sim_hset_add(struct sim_hset *h, uint64_t key); /* SIM_OK or SIM_NOMEM */
bool sim_hset_has(const struct sim_hset *h, uint64_t key);
void sim_hset_release(struct sim_hset *h);

/* One document ready for comparison: its normalised code points, where
 * they came from, its shingle hashes and which are the template's. Buffers
 * are kept between uses (a per-thread scratch). */
struct sim_prep {
    uint32_t *cp;  /* normalised code points */
    uint32_t *off; /* off[i]: byte offset in the text of cp[i] */
    size_t n;      /* code points */
    uint64_t *sh;  /* sh[i]: hash of cp[i .. i+k) */
    uint8_t *tm;   /* tm[i]: 1 when sh[i] is a template shingle */
    size_t nsh;    /* shingles: n - k + 1, or 0 */
    size_t ntm;    /* of those, template */
    size_t cap;    /* allocated code points */
    /* Index (built by sim_prep_index): distinct non-template hashes, each
     * with its first position and count; next[] chains the positions. */
    uint64_t *ikey;
    uint32_t *ifirst;
    uint32_t *icount;
    size_t icap;   /* slots in use: a power of two */
    size_t ialloc; /* slots allocated */
    size_t idistinct;
    uint32_t *next;
    size_t ncap; /* allocated next[] */
};

struct sim_tmpl {
    struct sim_hset *sets; /* set 0: every document's */
    size_t n;
};

struct sim {
    struct sim_params p;
    struct sim_tmpl tmpl;
    uint64_t pow_k; /* B^(k-1) for the rolling hash */
    uint64_t base;  /* B: odd multiplier derived from the seed */
};

/* Normalises and shingles text into p, marking template shingles (set 0 and
 * `extra` when >= 0). Returns SIM_OK or SIM_NOMEM. */
int sim_prep_text(const struct sim *s, struct sim_prep *p, const char *text, size_t len, int extra);
/* Only the shingle hashes (no offsets, no template marks): pass 3. */
int sim_prep_hashes(const struct sim *s, struct sim_prep *p, const char *text, size_t len);
/* Builds p's index of non-template shingles. */
int sim_prep_index(struct sim_prep *p);
/* Looks a hash up in p's index: slot index or SIZE_MAX. */
size_t sim_prep_find(const struct sim_prep *p, uint64_t h);
void sim_prep_release(struct sim_prep *p);

/* A passage found by sim_compare, before weighting. */
struct sim_found {
    uint32_t ai, bi; /* first code point in a and in b */
    uint32_t chars;  /* code points */
};

/* Compares a and b (both prepared and indexed): fills the counts of *pair
 * and appends the passages (>= min_passage) to *found (grown with realloc,
 * at most SIM_MAX_PASSAGES). Returns SIM_OK or SIM_NOMEM. */
int sim_compare(const struct sim *s, const struct sim_prep *a, const struct sim_prep *b,
                struct sim_pair *pair, struct sim_found **found, size_t *nfound, size_t *capfound);

#endif
