/*
 * simtext.c — text as the similarity analysis compares it (similarity.h):
 * normalised code points, their shingle hashes, the template marks and the
 * per-document index of shingles.
 *
 * Normalisation (sim_fold), code point by code point:
 *
 *   U+FF01..U+FF5E (full-width ASCII)        -> U+0021..U+007E
 *   U+FFE0..U+FFE6 (full-width signs)        -> the ordinary sign (¢ £ ¬ ¯ ¦ ¥ ₩)
 *   U+3000 and every other Unicode space,
 *   controls, soft hyphen, zero-width and
 *   other format characters, BOM            -> dropped
 *   Latin capitals (ASCII, Latin-1, Latin
 *   Extended-A, Latin Extended Additional)   -> small letters
 *   ligatures U+FB00..U+FB06 (PDF text)      -> their letters (by sim_normalize)
 *   anything else (CJK, punctuation, ...)    -> itself
 *
 * Dropping every space makes the text of a DOCX and of the PDF printed from
 * it compare equal although the PDF breaks lines and pads words with spaces
 * where the DOCX had none; character shingles need no word boundaries.
 *
 * Shingle hashes: a polynomial rolling hash over the k code points with an
 * odd multiplier B derived from the seed, mod 2^64, then splitmix64's
 * finaliser keyed by the seed: sh[i] = mix64(sum cp[i+j] B^(k-1-j) ^ seed).
 * Equal hashes are only candidates: every passage is confirmed on the code
 * points themselves (simpair.c).
 */
#include <stdlib.h>
#include <string.h>

#include "analytics/similarity_internal.h"
#include "base/utf8.h"

uint32_t sim_fold(uint32_t c)
{
    if (c < 0x80) {
        if (c < 0x20 || c == 0x20 || c == 0x7F)
            return 0;
        if (c >= 'A' && c <= 'Z')
            return c + 32;
        return c;
    }
    if (c >= 0x80 && c <= 0xA0) /* C1 controls, NEL, no-break space */
        return 0;
    if (c == 0xAD) /* soft hyphen */
        return 0;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
        return c + 32;
    if (c >= 0x100 && c <= 0x17F) {
        if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
            return c | 1;
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
            return (c & 1) ? c + 1 : c;
        if (c == 0x178)
            return 0xFF;
        return c;
    }
    if ((c >= 0x1E00 && c <= 0x1E95) || (c >= 0x1EA0 && c <= 0x1EFF))
        return c | 1;
    if (c == 0x1680 || (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F) ||
        (c >= 0x205F && c <= 0x2064) || c == 0x3000 || c == 0xFEFF)
        return 0;
    if (c >= 0xFF01 && c <= 0xFF5E) {
        c -= 0xFEE0;
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }
    if (c >= 0xFFE0 && c <= 0xFFE6) {
        static const uint32_t signs[] = {0xA2, 0xA3, 0xAC, 0xAF, 0xA6, 0xA5, 0x20A9};
        return signs[c - 0xFFE0];
    }
    return c;
}

static uint32_t decode(const unsigned char *s, size_t k)
{
    switch (k) {
    case 1:
        return s[0];
    case 2:
        return ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
    case 3:
        return ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    default:
        return ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
               ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
    }
}

size_t sim_normalize(const char *text, size_t len, uint32_t *cp, uint32_t *off, size_t max)
{
    static const char *const lig[] = {"ff", "fi", "fl", "ffi", "ffl", "st", "st"};
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0, n = 0;
    while (i < len && n < max) {
        uint32_t c;
        size_t k;
        if (s[i] < 0x80) { /* the common case, without the table walk */
            c = s[i];
            k = 1;
        } else {
            k = utf8_seq(s + i, len - i);
            if (k == 0) {
                c = 0xFFFD;
                k = 1;
            } else {
                c = decode(s + i, k);
            }
        }
        if (c >= 0xFB00 && c <= 0xFB06) {
            for (const char *l = lig[c - 0xFB00]; *l && n < max; l++) {
                if (off != NULL)
                    off[n] = (uint32_t)i;
                cp[n++] = (uint32_t)(unsigned char)*l;
            }
        } else {
            uint32_t f = sim_fold(c);
            if (f != 0) {
                if (off != NULL)
                    off[n] = (uint32_t)i;
                cp[n++] = f;
            }
        }
        i += k;
    }
    return n;
}

/* ---- hash set ---------------------------------------------------------- */

static int hset_grow(struct sim_hset *h)
{
    size_t ncap = h->cap ? h->cap * 2 : 1024;
    uint64_t *ns = calloc(ncap, sizeof *ns);
    if (ns == NULL)
        return SIM_NOMEM;
    for (size_t i = 0; i < h->cap; i++) {
        uint64_t k = h->slot[i];
        if (k == 0)
            continue;
        size_t j = (size_t)sim_mix64(k) & (ncap - 1);
        while (ns[j] != 0)
            j = (j + 1) & (ncap - 1);
        ns[j] = k;
    }
    free(h->slot);
    h->slot = ns;
    h->cap = ncap;
    return SIM_OK;
}

int sim_hset_add(struct sim_hset *h, uint64_t key)
{
    if (key == 0)
        key = 1;
    if ((h->n + 1) * 2 > h->cap && hset_grow(h) != SIM_OK)
        return SIM_NOMEM;
    size_t j = (size_t)sim_mix64(key) & (h->cap - 1);
    while (h->slot[j] != 0) {
        if (h->slot[j] == key)
            return SIM_OK;
        j = (j + 1) & (h->cap - 1);
    }
    h->slot[j] = key;
    h->n++;
    return SIM_OK;
}

bool sim_hset_has(const struct sim_hset *h, uint64_t key)
{
    if (h->n == 0)
        return false;
    if (key == 0)
        key = 1;
    size_t j = (size_t)sim_mix64(key) & (h->cap - 1);
    while (h->slot[j] != 0) {
        if (h->slot[j] == key)
            return true;
        j = (j + 1) & (h->cap - 1);
    }
    return false;
}

void sim_hset_release(struct sim_hset *h)
{
    free(h->slot);
    memset(h, 0, sizeof *h);
}

/* ---- prepared documents ------------------------------------------------ */

static int prep_reserve(struct sim_prep *p, size_t n, bool with_off)
{
    if (n + 1 <= p->cap && (!with_off || p->off != NULL))
        return SIM_OK;
    size_t cap = n + 1 > p->cap ? n + 1 : p->cap;
    uint32_t *cp = realloc(p->cp, cap * sizeof *cp);
    if (cp == NULL)
        return SIM_NOMEM;
    p->cp = cp;
    uint64_t *sh = realloc(p->sh, cap * sizeof *sh);
    if (sh == NULL)
        return SIM_NOMEM;
    p->sh = sh;
    uint8_t *tm = realloc(p->tm, cap);
    if (tm == NULL)
        return SIM_NOMEM;
    p->tm = tm;
    if (with_off || p->off != NULL) {
        uint32_t *off = realloc(p->off, cap * sizeof *off);
        if (off == NULL)
            return SIM_NOMEM;
        p->off = off;
    }
    p->cap = cap;
    return SIM_OK;
}

static void shingle(const struct sim *s, struct sim_prep *p)
{
    size_t k = s->p.shingle;
    p->nsh = p->n >= k ? p->n - k + 1 : 0;
    if (p->nsh == 0)
        return;
    uint64_t h = 0, b = s->base, pk = s->pow_k, seed = s->p.seed;
    const uint32_t *cp = p->cp;
    for (size_t j = 0; j < k; j++)
        h = h * b + cp[j];
    p->sh[0] = sim_mix64(h ^ seed);
    for (size_t i = 1; i < p->nsh; i++) {
        h = (h - cp[i - 1] * pk) * b + cp[i + k - 1];
        p->sh[i] = sim_mix64(h ^ seed);
    }
}

int sim_prep_text(const struct sim *s, struct sim_prep *p, const char *text, size_t len, int extra)
{
    if (prep_reserve(p, len, true) != SIM_OK)
        return SIM_NOMEM;
    p->n = sim_normalize(text, len, p->cp, p->off, len);
    p->off[p->n] = (uint32_t)len;
    shingle(s, p);
    const struct sim_hset *g = &s->tmpl.sets[0];
    const struct sim_hset *x = extra > 0 && (size_t)extra < s->tmpl.n ? &s->tmpl.sets[extra] : NULL;
    for (size_t i = 0; i < p->nsh; i++)
        p->tm[i] = sim_hset_has(g, p->sh[i]) || (x != NULL && sim_hset_has(x, p->sh[i]));
    /* Only runs that copy at least min_passage code points of the template
     * are the template's; a shorter coincidence ("the bidder", 投标文件) is
     * the bid's own text, or it would cut the passages it occurs in. */
    size_t ntm = 0, k = s->p.shingle;
    for (size_t i = 0; i < p->nsh;) {
        if (!p->tm[i]) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < p->nsh && p->tm[j])
            j++;
        if (j - i + k - 1 < s->p.min_passage)
            memset(p->tm + i, 0, j - i);
        else
            ntm += j - i;
        i = j;
    }
    p->ntm = ntm;
    p->idistinct = 0;
    return SIM_OK;
}

int sim_prep_hashes(const struct sim *s, struct sim_prep *p, const char *text, size_t len)
{
    if (prep_reserve(p, len, false) != SIM_OK)
        return SIM_NOMEM;
    p->n = sim_normalize(text, len, p->cp, NULL, len);
    shingle(s, p);
    p->ntm = 0;
    return SIM_OK;
}

int sim_prep_index(struct sim_prep *p)
{
    size_t want = 16;
    while (want < (p->nsh - p->ntm) * 2)
        want *= 2;
    if (want > p->ialloc) {
        free(p->ikey);
        free(p->ifirst);
        free(p->icount);
        p->ikey = malloc(want * sizeof *p->ikey);
        p->ifirst = malloc(want * sizeof *p->ifirst);
        p->icount = malloc(want * sizeof *p->icount);
        if (p->ikey == NULL || p->ifirst == NULL || p->icount == NULL) {
            p->ialloc = 0;
            return SIM_NOMEM;
        }
        p->ialloc = want;
    }
    if (p->nsh > p->ncap) {
        uint32_t *nx = realloc(p->next, p->nsh * sizeof *nx);
        if (nx == NULL)
            return SIM_NOMEM;
        p->next = nx;
        p->ncap = p->nsh;
    }
    size_t cap = want;
    memset(p->ikey, 0, cap * sizeof *p->ikey);
    size_t distinct = 0;
    /* Backwards, pushing to the front: every chain lists positions in order. */
    for (size_t i = p->nsh; i-- > 0;) {
        if (p->tm[i])
            continue;
        uint64_t key = p->sh[i] ? p->sh[i] : 1;
        size_t j = (size_t)key & (cap - 1);
        while (p->ikey[j] != 0 && p->ikey[j] != key)
            j = (j + 1) & (cap - 1);
        if (p->ikey[j] == 0) {
            p->ikey[j] = key;
            p->icount[j] = 0;
            p->next[i] = UINT32_MAX;
            distinct++;
        } else {
            p->next[i] = p->ifirst[j];
        }
        p->ifirst[j] = (uint32_t)i;
        p->icount[j]++;
    }
    p->idistinct = distinct;
    p->icap = cap;
    return SIM_OK;
}

size_t sim_prep_find(const struct sim_prep *p, uint64_t h)
{
    uint64_t key = h ? h : 1;
    size_t mask = p->icap - 1;
    size_t j = (size_t)key & mask;
    while (p->ikey[j] != 0) {
        if (p->ikey[j] == key)
            return j;
        j = (j + 1) & mask;
    }
    return SIZE_MAX;
}

void sim_prep_release(struct sim_prep *p)
{
    free(p->cp);
    free(p->off);
    free(p->sh);
    free(p->tm);
    free(p->ikey);
    free(p->ifirst);
    free(p->icount);
    free(p->next);
    memset(p, 0, sizeof *p);
}
