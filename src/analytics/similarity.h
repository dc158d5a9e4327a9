/*
 * similarity.h — bid document similarity (雷同性分析): which bids share text
 * that is not the tender document's, the shared passages themselves as
 * evidence, and what the files say about who made them (docs/similarity.md).
 *
 * The pipeline, over N documents (their text from analytics/doctext.h):
 *
 *   1. Normalise each text to a sequence of code points (sim_fold: full
 *      width to half width, every Unicode space and format character
 *      dropped, Latin case folded, ligatures expanded), remembering where
 *      each came from in the text; hash every k-code-point shingle (seeded).
 *      Runs of shingles that occur in the template (the tender document,
 *      which every bidder copies) covering at least min_passage code points
 *      are marked and take no further part; shorter coincidences stay.
 *   2. Cut the remaining shingles into overlapping segments (S shingles,
 *      stride S/2) and sign each with MinHash (K values, one-permutation
 *      hashing with optimal densification). LSH: b bands of r = K/b values;
 *      two documents are a candidate pair when a band of one of their
 *      segments equals the band of one of the other's. A bucket holding
 *      more than max_bucket documents is boilerplate and yields no pairs.
 *      Small lots can also be compared exhaustively (every pair).
 *   3. For each candidate pair, exactly: Jaccard and containment of their
 *      sets of non-template shingles, and the maximal common passages of at
 *      least min_passage code points, with byte offsets in both texts.
 *   4. Document frequency over all N documents of every shingle in a
 *      passage; a shingle's weight is idf = ln((N + 1) / df), so a string
 *      only these two bids share (the same typo) weighs more than a phrase
 *      every bid uses. A passage weighs the sum of its shingles' idf; a pair
 *      the sum of its passages. Pairs are ranked by weight.
 *   5. Metadata: groups of documents with the same author, last editor,
 *      company, application, producer, template, WPS build, rsid root, PDF
 *      id, creation or modification time; pairs sharing Word rsids.
 *
 * Documents are not kept in memory: the caller's source loads document i's
 * text when a pass needs it (pass 1, pass 3, and the pairs of pass 2), so
 * memory grows with N x segments x b (the band keys) and with the evidence,
 * not with the corpus. Passes run on `threads` threads; the source must be
 * thread-safe. A run is deterministic for a given seed, whatever the
 * number of threads.
 */
#ifndef SUNBID_SIMILARITY_H
#define SUNBID_SIMILARITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analytics/doctext.h"
#include "base/buf.h"

#define SIM_MAX_DOCS      (1u << 24)         /* documents in one run */
#define SIM_MAX_TEXT      ((size_t)1 << 31)  /* bytes of one text (longer: not analysed) */
#define SIM_MAX_EVIDENCE  ((size_t)64 << 20) /* shingles in all passages together */
#define SIM_MAX_PASSAGES  100000             /* passages of one pair */
#define SIM_MAX_TEMPLATES 4096               /* template sets */
#define SIM_MAX_TEMPLATE  ((size_t)64 << 20) /* shingles in one template set */

/* Defaults (docs/similarity.md explains each choice). */
#define SIM_DEFAULT_SHINGLE     8
#define SIM_DEFAULT_HASHES      128
#define SIM_DEFAULT_BANDS       32
#define SIM_DEFAULT_SEGMENT     1024
#define SIM_DEFAULT_MIN_SEGMENT 64
#define SIM_DEFAULT_MAX_BUCKET  50
#define SIM_DEFAULT_EXHAUSTIVE  30
#define SIM_DEFAULT_MIN_PASSAGE 50
#define SIM_DEFAULT_MAX_SHOWN   20
#define SIM_DEFAULT_MAX_REPEAT  8
#define SIM_DEFAULT_SHOW_BYTES  600
#define SIM_DEFAULT_MAX_PAIRS   2000000
#define SIM_DEFAULT_SEED        0x5375e6b1d5eed001ULL

enum sim_err {
    SIM_OK = 0,
    SIM_NOMEM,             /* out_of_memory */
    SIM_BAD_PARAMS,        /* bad_parameters */
    SIM_TOO_MANY_DOCS,     /* too_many_documents */
    SIM_TOO_MANY_PAIRS,    /* too_many_pairs: past max_pairs candidates */
    SIM_EVIDENCE_TOO_LARGE /* evidence_too_large: past SIM_MAX_EVIDENCE */
};

struct sim_params {
    unsigned shingle;        /* k: code points per shingle, 3..64 */
    unsigned hashes;         /* K: MinHash values per segment, power of 2, 16..1024 */
    unsigned bands;          /* b: LSH bands; K % b == 0; rows r = K / b */
    unsigned segment;        /* S: shingles per segment (stride S/2), >= 64 */
    unsigned min_segment;    /* shingles a document needs to be signed at all */
    unsigned max_bucket;     /* documents in one LSH bucket beyond which it is boilerplate */
    unsigned exhaustive_lot; /* lots with at most this many documents: every pair (0: off) */
    unsigned min_passage;    /* code points of the shortest passage reported, >= shingle */
    unsigned max_shown;      /* passages shown per pair (the heaviest) */
    unsigned max_repeat;     /* a shingle more frequent in one document seeds no passage */
    unsigned show_bytes;     /* bytes of each passage's text shown */
    size_t max_pairs;        /* candidate pairs beyond which the run fails */
    uint64_t seed;           /* every hash is keyed by it */
    bool within_lots;        /* pairs only between documents of the same lot */
    int threads;             /* 0: one per CPU */
};

void sim_params_init(struct sim_params *p); /* the defaults above */

/* Loads the extracted UTF-8 text of document i (valid UTF-8, as doctext
 * makes it). Called from worker threads, concurrently for different i and
 * more than once for the same i. The text stays valid until release(). Return
 * 0, or non-zero to skip the document (it is then reported as failed). */
struct sim_source {
    int (*load)(void *ud, size_t i, const char **text, size_t *len);
    void (*release)(void *ud, size_t i, const char *text); /* may be NULL */
    void *ud;
};

/* What the caller tells about a document. Everything is borrowed for the
 * life of the result. */
struct sim_doc {
    const char *id;                  /* shown in the report: the file name */
    const char *lot;                 /* lot name; NULL or "" for none */
    const char *format;              /* "pdf", "docx", "txt"; may be NULL */
    const char *error;               /* non-NULL: could not be read (a code); not analysed */
    const char *error_detail;        /* for people; may be NULL */
    const struct doctext_meta *meta; /* may be NULL */
    int template_set;                /* an extra template set (sim_template_new), or -1 */
};

struct sim_passage {
    size_t a_start, a_end; /* bytes [start, end) of document a's text */
    size_t b_start, b_end; /* the same passage in document b's text */
    uint32_t chars;        /* normalised code points */
    uint32_t min_df;       /* documents containing its rarest shingle */
    double weight;         /* sum of idf over its shingles */
    double rarity;         /* weight / (shingles x ln((N + 1) / 2)), 0..1: 1 = only these two */
    char *text;            /* document a's text of it, at most show_bytes; owned */
    bool truncated;        /* text was cut */
    size_t h_off, h_len;   /* internal: its shingle hashes in the evidence */
};

struct sim_pair {
    uint32_t a, b;       /* document indexes, a < b */
    uint32_t lsh_hits;   /* band collisions between their segments */
    bool exhaustive;     /* compared because their lot is small */
    uint64_t shingles_a; /* distinct non-template shingles of a */
    uint64_t shingles_b;
    uint64_t shared;      /* of those, in both */
    double jaccard;       /* shared / (shingles_a + shingles_b - shared) */
    double containment_a; /* shared / shingles_a: how much of a is in b */
    double containment_b;
    double weight;                /* sum of the passages' weights */
    size_t passages_found;        /* all passages >= min_passage */
    struct sim_passage *passages; /* the heaviest max_shown, heaviest first; owned */
    size_t nshown;
};

struct sim_docstat {
    bool failed;                /* not analysed (error, or the source refused it) */
    uint64_t text_bytes;        /* bytes of extracted text */
    uint64_t chars;             /* normalised code points */
    uint64_t shingles;          /* shingle positions */
    uint64_t template_shingles; /* of those, in the template */
    uint32_t segments;          /* signed segments */
};

struct sim_result {
    struct sim_pair *pairs; /* heaviest first; owned */
    size_t npairs;
    struct sim_docstat *docs; /* one per input document; owned */
    size_t ndocs;
    size_t analysed;            /* documents that were analysed */
    uint64_t text_bytes;        /* bytes of text read by pass 1 */
    uint64_t segments;          /* segments signed */
    uint64_t boilerplate;       /* LSH buckets ignored as boilerplate */
    uint64_t lsh_pairs;         /* candidate pairs from LSH */
    uint64_t exhaustive_pairs;  /* candidate pairs from small lots (not also from LSH) */
    uint64_t verified;          /* candidates compared exactly */
    uint64_t evidence_shingles; /* shingles in all passages */
    uint64_t distinct_evidence; /* of those, distinct: the document-frequency table */
    double pass_s[4];           /* seconds: signatures, LSH, pairs, frequencies */
};

struct sim;

struct sim *sim_new(const struct sim_params *p); /* copies p; NULL on bad params/OOM */
void sim_free(struct sim *s);

/* Template sets: set 0 applies to every document; sim_template_new makes
 * another (e.g. one lot's own tender document) that applies to documents
 * naming it. Adding text adds its shingles. Return a sim_err. */
int sim_template_new(struct sim *s, int *set);
int sim_template_add(struct sim *s, int set, const char *text, size_t len);

/* Runs the pipeline over docs[0..n) (borrowed). On SIM_OK *out holds the
 * result (sim_result_release). */
int sim_run(struct sim *s, const struct sim_doc *docs, size_t n, const struct sim_source *src,
            struct sim_result *out);
void sim_result_release(struct sim_result *r);

/* Writes the report (docs/similarity.md, "The report") as one JSON object. */
int sim_write_json(const struct sim *s, const struct sim_doc *docs, const struct sim_result *r,
                   struct buf *out);

const char *sim_err_code(int e);

/* One code point as the comparison sees it: 0 when dropped (spaces, format
 * and control characters); expansions (ligatures) are done by the caller of
 * sim_normalize. Exposed for tests. */
uint32_t sim_fold(uint32_t c);

/* Normalises UTF-8 text: writes at most `max` code points to cp (and, when
 * off is not NULL, the byte offset each came from). Returns the count. */
size_t sim_normalize(const char *text, size_t len, uint32_t *cp, uint32_t *off, size_t max);

#endif
