/*
 * domain/risk_sim.h — live bid document similarity (雷同性分析) of a tender
 * whose opening is sealed, for supervisors (docs/supervision.md, "Bid
 * document similarity").
 *
 * The opening keeps each opened bid's content key K (boq_keys, docs/boq.md).
 * With it the analysis opens each opened envelope (signature and every
 * content hash checked, as domain/boq_open.c does), takes every file whose
 * name ends in .docx, .pdf or .txt (the opening form aside), extracts its
 * text and metadata (analytics/doctext.h), subtracts the text of the
 * tender's own documents (every version uploaded: bidders copy the
 * template), and runs analytics/similarity.h over all documents of the
 * tender: every pair within a small lot, LSH candidates within and across
 * lots. What it keeps (tender_similarity, migration 20) is the pairs of
 * documents of different bidders that share passages, each passage with
 * its byte offsets and some context on both sides (for the side-by-side
 * view) and its rarity, and the metadata values two or more bidders share.
 *
 * Two rules come out of it for domain/risk.c:
 *   S1 similar_documents  documents of two bidders share passages outside
 *                         the tender documents totalling RSIM_MIN_CHARS
 *                         normalised characters or more
 *   S2 same_metadata      documents of two or more bidders name the same
 *                         author, last editor, company, Word rsid root, PDF
 *                         id or creation time (to the second); the usual
 *                         default names (Administrator, User, 微软用户 …)
 *                         do not count
 *
 * The content of bids is confidential until the evaluation ends: the result
 * is read by supervisors only and is never published. Nothing here writes
 * the witness log; the risk computation that uses the hits does.
 *
 * Memory is bounded: an envelope is read whole up to RSIM_ENVELOPE_MAX, the
 * files kept from one envelope up to RSIM_KEPT_MAX, the extracted text of
 * all documents up to RSIM_TEXT_MAX (documents past it are reported
 * "too_large" and not compared), the JSON up to RSIM_JSON_MAX. It runs on
 * the thread that calls it (the risk watcher, or a worker for a
 * supervisor's recompute), on one analysis thread.
 */
#ifndef SUNBID_DOMAIN_RISK_SIM_H
#define SUNBID_DOMAIN_RISK_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/errors.h"
#include "crypto/suite.h"
#include "store/store.h"

#define RSIM_MAX_BIDS     1000
#define RSIM_MAX_DOCS     4000                /* documents of one tender compared */
#define RSIM_MAX_TEMPLATE 100                 /* tender document versions read */
#define RSIM_ENVELOPE_MAX ((size_t)128 << 20) /* bytes of one envelope read */
#define RSIM_KEPT_MAX     ((size_t)64 << 20)  /* bytes of files kept from one envelope */
#define RSIM_TEXT_MAX     ((size_t)256 << 20) /* bytes of extracted text of all documents */
#define RSIM_JSON_MAX     ((size_t)32 << 20)
#define RSIM_MIN_CHARS    100 /* S1: shared non-template code points of a pair */
#define RSIM_MAX_PAIRS    200 /* pairs listed, heaviest first */
#define RSIM_PASSAGES     8   /* passages listed per pair */
#define RSIM_CONTEXT      160 /* bytes of context each side of a passage */
#define RSIM_RARE         0.5 /* a passage this rare (analytics rarity) is marked rare */
#define RSIM_MAX_HITS     64
#define RSIM_HIT_ORGS     8

enum rsim_kind { RSIM_TEXT, RSIM_META };

/* One S1 or S2 finding, for the risk flags. */
struct risk_sim_hit {
    enum rsim_kind kind;
    int64_t orgs[RSIM_HIT_ORGS]; /* the bidders concerned */
    int norgs;
    int64_t lot_no;    /* of the first document */
    char files[2][96]; /* S1: the two documents' names */
    uint32_t passages; /* S1: passages found */
    uint64_t chars;    /* S1: code points of the passages listed */
    double jaccard;    /* S1 */
    double rarity;     /* S1: of the rarest passage listed */
    char field[24];    /* S2: author, company ... */
    char value[160];   /* S2: the shared value */
};

struct risk_sim_hits {
    struct risk_sim_hit v[RSIM_MAX_HITS];
    size_t n;
    bool computed; /* false: the analysis failed (nothing to flag from it) */
};

/* Computes the similarity of the tender's opened bids and stores it
 * (tender_similarity) tagged with basis_version; fills *hits. ERR_OK also
 * when the tender has no opened documents (an empty result is stored). A
 * failure of the analysis itself is stored as status "failed" with its
 * reason and returns ERR_OK with hits->computed false; other errors are
 * store errors. */
enum err risk_sim_refresh(struct store *s, int64_t tender_id, int64_t basis_version,
                          struct risk_sim_hits *hits);

/* Opens envelope bytes with the content key K (envelope_open_with_key:
 * signature, chunks and content hashes checked; its order of errors) and
 * calls fn for every document in it (a name ending in .docx, .pdf or .txt,
 * the opening form aside, any role) with its plaintext (never NULL when
 * kept, even empty), or with data NULL and len 0 when it is past
 * DOCTEXT_MAX_INPUT or RSIM_KEPT_MAX. SEAL_OK or a seal error (then fn was
 * not called). Exposed for fuzz_sim_open. */
typedef void (*rsim_doc_fn)(void *ud, const char *name, const void *data, size_t len);
int risk_sim_open_envelope(const void *env, size_t len, const uint8_t key[SUITE_KEY_LEN],
                           rsim_doc_fn fn, void *ud, struct seal_error *err);

/* True when a metadata value is one of the usual defaults that many
 * unrelated machines carry ("Administrator", "User", "微软用户" …). */
bool risk_sim_default_name(const char *v);

#endif
