/*
 * domain/draw_internal.h — what draw.c (the draw, its answers, its
 * record) and draw_pool.c (the pool cache, the recusal rules, the pool
 * blob, the warmer) share. Not for other modules: draw.h is the interface.
 */
#ifndef SUNBID_DOMAIN_DRAW_INTERNAL_H
#define SUNBID_DOMAIN_DRAW_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "domain/draw.h"
#include "domain/drawalg.h"
#include "domain/expert.h"
#include "store/store.h"
#include "store/draws.h"
#include "store/experts.h"

#define SNAPSHOT_MAX ((size_t)512 << 20)

#define POOL_HEAD "sunbid-draw-pool/1\n"
#define SNAP_HEAD "sunbid-draw-snapshot/1\n"

struct party {
    int64_t id;
    const char *uscc;
    const char *name;
};

struct base_expert {
    int64_t id;
    char region[DRAW_REGION_LEN + 1];
    const char *status; /* "active", "suspended", "retired" (static) */
    const char *employer;
    const char *employer_uscc;
    int ncodes;         /* as linked */
    const char **specs; /* with every ancestor, sorted */
    int nspecs;
    bool bad;        /* a region or code the snapshot text refuses */
    size_t off, len; /* its line in text; len 0: none */
};

struct pool_base {
    struct store *s;
    int64_t version;
    int refs;     /* under cache_mu */
    bool durable; /* text is a blob (fsync'd); under cache_mu */
    struct arena a;
    struct base_expert *v; /* by id */
    size_t n, cap;
    struct buf text;
    char sha[BLOB_HASH_HEX + 1]; /* of text, when lines were made */
    /* while building */
    const struct specialty_tree *tree; /* NULL: no lines (one expert) */
    size_t cur;                        /* the expert the codes scan is at */
    const char *codes[EXPERT_SPECS_MAX];
    int ncur;
    bool oom;
};

/* What one draw decides about the base's experts. */
#define F_RELATED     1 /* a relation in force to a party */
#define F_UNAVAILABLE 2 /* a period overlaps the evaluation */
#define F_IN_TENDER   4 /* a member of another live draw of the tender */
#define F_ACCOUNT     8 /* the linked account belongs to a party */

struct pool {
    struct arena *a;
    const struct pool_base *b;
    uint8_t *flags;      /* by base index */
    int64_t *recent;     /* notified in the last 30 days */
    const char **reason; /* NULL: eligible (if it has a specialty) */
    struct party *parties;
    int nparties, cparties;
    bool oom;
};

void draw_base_unref(struct pool_base *b);

/* Reads the base (only_id != 0: that expert alone; tree NULL: no lines). */
int draw_base_read(struct store_tx *tx, int64_t only_id, bool lines, struct pool_base *b);

/* The base of the pool as tx sees it: the cached one when its version is
 * tx's, else read now (and cached). One reference for the caller.
 *
 * Builds are one at a time (build_mu, taken before cache_mu): a draw and
 * the warmer that both miss do not both read the pool; the second waits
 * and finds the first's base when it is of its own version (else, its
 * snapshot being older or newer, it builds its own, as it must). A
 * draw's base replaces the cached one only when newer (versions only
 * grow), so a draw on an older snapshot does not push out the warmer's
 * newer base. The warmer passes since, the build count taken before its
 * transaction began: when any base was built meanwhile (a draw's, perhaps
 * of a newer version) it builds nothing (*out NULL; the next round looks
 * again); else its base, read just now, replaces the cached one whatever
 * the versions, so a database restored to a lower version is cached again
 * at its next round. Draws pass NULL. */
int draw_base_get(struct store *s, struct store_tx *tx, const uint64_t *since,
                  struct pool_base **out);

/* The recusal rules, in the order docs/draw.md lists them. */
const char *draw_recusal(const struct pool *p, size_t i, int64_t max30);

void draw_pool_release(struct pool *p);

/* Decides base b's experts (only_id != 0: b holds that expert alone) as
 * draw d of its tender sees them at now: every expert's reason. */
int draw_pool_load(struct store_tx *tx, struct arena *a, const struct pool_base *b,
                   const struct draw_row *d, int64_t now, int64_t only_id, struct pool *p);

/* The eligible experts as the algorithm sees them (codes with their
 * ancestors), ascending by id, and the SHA-256 of their canonical text,
 * hashed from the base's lines without writing the text out. */
int draw_pool_snapshot(const struct pool *p, struct arena *a, struct draw_expert **out, size_t *n,
                       uint8_t sha[DRAW_HASH_LEN]);

/* The pool's text is a blob on disk (fsync'd) before a draw names it:
 * once per base (durable_mu: a draw and the warmer do not both write it;
 * the second finds it done). */
int draw_pool_durable(struct store *s, struct pool_base *b);

#endif
