/*
 * cert.h — witness certificates (電子見證證書): a self-contained file that
 * proves that some entries are in the witness log, checkable offline with
 * only the log's public key (and, optionally, witness keys and a TSA
 * certificate). Format: docs/certificate.md.
 *
 * A certificate is one JSON object:
 *
 *   {"format":"sunbid-witness-certificate/v1",
 *    "issued_ms":1764400000000,
 *    "subject":{"type":"tender","id":7}          (or {"type":"entry","index":12})
 *    "log":{"origin":"sunbid.local/ledger","hash":"sha256",
 *           "keys":["sunbid.local/ledger+0a1b2c3d+AU..."]},
 *    "checkpoint":"sunbid.local/ledger\n40\n<b64 root>\n\n— sunbid.local/ledger ...\n— witness
 * ...\n", "timestamp":"<b64 DER RFC 3161 token over the checkpoint>",   (optional)
 *    "entries":[{"index":12,"leaf_hash":"<b64>","entry":"<b64>",   (entry optional: withheld)
 *                "proof":["<b64>",...]}]}
 *
 * The checkpoint is the signed note as GET /api/ledger/checkpoint serves
 * it (the log's signature lines, then witness cosignature lines); every
 * proof is an RFC 9162 inclusion proof against it. An entry whose bytes are
 * not public is carried by its leaf hash alone: the certificate still
 * proves that hash is in the log.
 *
 * Verification (cert_verify) runs every check and reports each one, so a
 * reader learns exactly what failed, not just that something did.
 */
#ifndef SUNBID_LEDGER_CERT_H
#define SUNBID_LEDGER_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "ledger/cosign.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/tsa.h"
#include "store/store.h"

#define CERT_FORMAT      "sunbid-witness-certificate/v1"
#define CERT_MAX_BYTES   (16 << 20) /* a certificate file */
#define CERT_MAX_ENTRIES 4096       /* entries in one certificate */
#define CERT_MAX_KEYS    4          /* log keys in one certificate */
#define CERT_MAX_ENTRY   65536      /* bytes of one entry (as the store's limit) */
#define CERT_MAX_KEY_LEN 2048       /* bytes of one verifier key text */

enum cert_rc {
    CERT_OK = 0,
    CERT_EMALFORMED = -1, /* not a certificate of this format (cert_parse) */
    CERT_EFAILED = -2,    /* parsed, but a check failed (cert_verify; see the report) */
    CERT_ENOTFOUND = -3,  /* cert_build: no such subject, or nothing logged for it */
    CERT_ESTORE = -4,     /* cert_build: the store failed */
    CERT_ECRYPTO = -5,    /* OpenSSL failed, or out of memory */
    CERT_ETOOBIG = -6     /* cert_build: the subject has more than CERT_MAX_ENTRIES entries */
};

struct cert_entry {
    uint64_t index; /* leaf index */
    uint8_t leaf_hash[MERKLE_HASH_LEN];
    uint8_t *entry; /* entry bytes (canonical JSON), heap; NULL: withheld */
    size_t entry_len;
    uint8_t (*proof)[MERKLE_HASH_LEN]; /* inclusion proof, heap, leaf side first */
    size_t nproof;
};

struct cert {
    int64_t issued_ms;
    char subject_type[65]; /* "entry", "tender", "org", ...: [a-z0-9._], 1-64 bytes */
    int64_t subject_id;    /* the subject's id; for "entry" the leaf index */
    char origin[CHECKPOINT_MAX_ORIGIN + 1];
    enum merkle_alg alg;
    char *keys[CERT_MAX_KEYS]; /* the log's verifier keys (text), heap */
    size_t nkeys;
    char *checkpoint; /* the signed note with cosignature lines, heap, NUL-terminated */
    size_t checkpoint_len;
    struct checkpoint cp; /* parsed from checkpoint */
    uint8_t *timestamp;   /* RFC 3161 token (DER), heap; NULL: none */
    size_t timestamp_len;
    struct cert_entry *entries; /* heap array, in index order */
    size_t nentries;
};

void cert_free(struct cert *c); /* safe on a zeroed or freed struct, and twice */

/* Parses a certificate file (JSON, at most CERT_MAX_BYTES): the format, every
 * field's type and length, base64, proof lengths (<= MERKLE_MAX_PROOF),
 * entries sorted by index without repeats, the checkpoint body (origin,
 * size, root; cp is filled). Signatures and proofs are NOT checked here.
 * CERT_OK or CERT_EMALFORMED with a reason in err. */
int cert_parse(const void *json, size_t n, struct cert *c, char *err, size_t errlen);

/* Writes c as a certificate file (the form above, keys in that order,
 * ending in '\n') to out. 0 or -1. */
int cert_write(const struct cert *c, struct buf *out);

/* What to request from the store: one entry by leaf index, or every entry
 * whose subject (or tender) is (type, id). */
struct cert_request {
    const char *subject_type; /* "entry" for one leaf, else a subject type */
    int64_t subject_id;
    bool with_private; /* the caller may see non-public entry bytes */
};

/* Builds a certificate in a READ transaction: the latest checkpoint with
 * its cosignatures, its timestamp token if one is stored, and each entry
 * covered by that checkpoint with its inclusion proof (entries integrated
 * after the latest checkpoint are not yet provable and are left out).
 * Non-public entries' bytes (ledger/visibility.h) are withheld unless
 * rq->with_private. A subject's entries come from the subject index
 * (store_ledger_subject_leaves: its "subject", or its "tender" key). Of
 * the cosignature lines, as many are kept as a signed note may carry
 * (NOTE_MAX_SIGS lines in all), the earliest accepted first.
 * CERT_OK, CERT_ENOTFOUND (no log, no checkpoint, nothing provable for the
 * subject, a malformed request), CERT_ETOOBIG, CERT_ESTORE, CERT_ECRYPTO. */
int cert_build(struct store_tx *tx, const struct cert_request *rq, int64_t now_ms, struct cert *c);

/* What a verifier trusts. Keys given here are "pinned": the certificate's
 * own keys are then only compared with them, and only the pinned keys named
 * as the certificate's origin check the checkpoint (each must have signed).
 * With no pinned log keys, the certificate's keys are used and the report
 * says they were not pinned (a WARN finding). All of it is borrowed. */
struct cert_trust {
    const struct note_key *log_keys; /* pinned log verifier keys, or NULL */
    size_t nlog_keys;
    const struct cosign_witnesses *witnesses; /* trusted witnesses, or NULL */
    size_t min_witnesses;                     /* cosignatures required from them */
    const struct tsa_trust *tsa;              /* trusted TSA, or NULL */
    bool require_timestamp;                   /* fail without a valid token */
};

/* One check and its outcome. Stable codes (docs/certificate.md):
 *   "log_keys"      the certificate's keys parse; match the pinned keys
 *   "checkpoint"    the checkpoint's log signatures verify (every key)
 *   "witnesses"     cosignatures by trusted witnesses verify, >= min
 *   "timestamp"     the RFC 3161 token is valid over the checkpoint
 *   "entry"         an entry's bytes hash to its leaf hash (per entry)
 *   "inclusion"     an entry's proof leads to the checkpoint root (per entry)
 *   "subject"       the entries belong to the named subject
 */
enum cert_status { CERT_PASS = 0, CERT_FAIL = 1, CERT_SKIP = 2, CERT_WARN = 3 };

struct cert_finding {
    const char *code;        /* one of the codes above (static string) */
    enum cert_status status; /* SKIP: not applicable (no token, withheld entry) */
    int64_t index;           /* the entry's leaf index, or -1 */
    char message[256];       /* English, one line, says exactly what */
};

struct cert_report {
    bool ok;               /* no FAIL */
    bool keys_pinned;      /* log keys came from the trust, not the file */
    int witnesses_ok;      /* trusted cosignatures that verified */
    int64_t gen_time_ms;   /* the token's genTime, or 0 */
    size_t entries_public; /* entries with their bytes */
    size_t entries_withheld;
    struct cert_finding *findings; /* heap array */
    size_t nfindings;
};

/* Runs every check of c against t and fills r (free with
 * cert_report_free). CERT_OK when all pass, CERT_EFAILED when any failed,
 * CERT_ECRYPTO when OpenSSL could not run a check. */
int cert_verify(const struct cert *c, const struct cert_trust *t, struct cert_report *r);
void cert_report_free(struct cert_report *r); /* safe twice */
/* "pass", "fail", "skip", "warn". */
const char *cert_status_name(enum cert_status s);

/* The report as JSON {"ok", "keys_pinned", "witnesses", "gen_time_ms",
 * "entries_public", "entries_withheld", "findings":[{"code","status",
 * "index","message"}]} (status "pass"/"fail"/"skip"/"warn"), to out. */
int cert_report_json(const struct cert_report *r, struct buf *out);

#endif
