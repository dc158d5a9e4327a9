/*
 * domain/boq.h — the bills of quantities of a tender on the platform
 * (docs/boq.md): the tender's BoQ per lot, uploaded by the agent, and the
 * bidders' priced BoQs, read from their opened envelopes, compared for the
 * experts by boq/boq.h.
 *
 * Where a priced BoQ comes from. The envelope a bidder sealed is the
 * authoritative source: it is signed, it was sealed before the deadline,
 * and the opening proved its content key K opens it. The opening hall does
 * not keep K (domain/opening_open.c decrypts, takes the opening form and
 * drops the rest), so opening_decrypt calls boq_key_keep() once K is known
 * to open the envelope: K goes into boq_keys (migration 15), beside the
 * bid. After the opening, the first comparison of a lot opens each opened
 * bid's envelope with its K (boq_envelope_file), takes the priced BoQ
 * file — a file of role price-list whose name ends in .csv or .xlsx, the
 * opening form aside — stores it as a blob and notes it in boq_keys, so
 * later comparisons read the small blob, not the envelope. A bid without
 * such a file is shown as "absent"; a file that is not a readable priced
 * BoQ as "invalid" with the reader's message. A bidder cannot upload a
 * second version afterwards: what was sealed is what is compared.
 *
 * Keeping K: K opens that one envelope and nothing else (the
 * organisation's private key never leaves the bidder). It is kept only
 * for bids the opening proved it opens; after the read-out the envelope's
 * content is for the evaluation committee, which is who may read it here.
 *
 * Who: the tender BoQ is uploaded by an agent of the tender (owner) while
 * the tender is a draft, published or bidding; the comparison is read by
 * members of the committee, supervisors and the tender's agents, once the
 * opening is sealed (tender in evaluation or later).
 *
 * Writes: one transaction each, with the audit row; the upload also
 * writes the witness-log event "boq.tender" (not public). Threads: any.
 */
#ifndef SUNBID_DOMAIN_BOQ_H
#define SUNBID_DOMAIN_BOQ_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "boq/boq.h"
#include "crypto/suite.h"
#include "domain/tender.h"

/* Why an upload was refused: the reader's row, column and message. */
struct boq_refusal {
    size_t row;
    const char *field;
    char msg[200];
};

/* What an upload did. */
struct boq_upload {
    int64_t lines;     /* lines read */
    int64_t version;   /* the lot's BoQ version it became: 1, 2, ... (migration 21) */
    int64_t notice_no; /* the change notice (clarification number) it sent; 0: none */
};

/* Agent: stores the tender's BoQ for lot_no (replacing an earlier one) as
 * its next version. Once the tender is published (published or bidding),
 * the upload changes what bidders price, so a change notice (變更公告) goes
 * out automatically as a clarification through tender_clarify: registered
 * bidders see it, and one later than clarify_days before the deadline moves
 * the deadline (the changes into *ch, for the live stream). Bids submitted
 * before it priced the older version (the comparison names it).
 * ERR_BOQ_INVALID with *why when it is not a readable BoQ. */
enum err boq_tender_upload(struct store *s, const struct tender_caller *c, int64_t tender_id,
                           int64_t lot_no, const char *name, const void *data, size_t len,
                           struct boq_upload *out, struct tender_changes *ch,
                           struct boq_refusal *why);

/* The opening hook: keeps the content key K of org_id's bid for lot_no of
 * the tender (a K the opening has just seen open the envelope). Replaces
 * a K kept before. ERR_OK or a store error. */
enum err boq_key_keep(struct store *s, int64_t tender_id, int64_t org_id, int64_t lot_no,
                      const uint8_t key[SUITE_KEY_LEN]);

/* Opens envelope bytes with K and puts the priced BoQ file (see above) into
 * file and its name into name. SEAL_OK with file->len == 0 when there is
 * none; SEAL_EWRONGKEY, SEAL_EBADMAC, SEAL_EBADHASH or a structure error
 * otherwise (boq_open.c). */
int boq_envelope_file(const void *env, size_t len, const uint8_t key[SUITE_KEY_LEN],
                      struct buf *name, struct buf *file, struct seal_error *err);

/* May c read what the experts read beside the bids of t (the BoQ
 * comparison, the credit records, the clarifications): a member of its
 * committee, a supervisor, an agent of the tender (owner). ERR_OK,
 * ERR_NOT_FOUND (a draft c may not see) or ERR_NOT_COMMITTEE_MEMBER. */
enum err boq_reader_check(struct store_tx *tx, struct arena *a, const struct tender_caller *c,
                          const struct tender *t);

/* The comparison of lot_no as JSON ({"tender_id", "lot_no", "bids":[...],
 * "comparison":{...}}) or, with xlsx, as a workbook, into out. cfg NULL:
 * the defaults. ERR_NOT_FOUND for a tender the caller may not see;
 * ERR_NOT_COMMITTEE_MEMBER for a caller who is none of those allowed; ERR_WRONG_STATE
 * before the opening is sealed; ERR_BOQ_TENDER_MISSING. */
enum err boq_comparison_view(struct store *s, const struct tender_caller *c, int64_t tender_id,
                             int64_t lot_no, const struct boq_config *cfg, bool xlsx,
                             struct buf *out);

#endif
