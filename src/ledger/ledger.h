/*
 * ledger.h — the witness log (數字見證): what the rest of the code calls.
 *
 *   ledger_append(tx, &ev)    a domain write queues its event in ITS OWN
 *                             transaction: the event and the state change
 *                             commit or fail together. Cheap: one INSERT; no
 *                             hashing, no signature.
 *   ledger_log_open(...)      loads (or on first use creates) the log: its
 *                             origin, hash algorithm and keys.
 *   ledger_sequencer_run_once one batch: integrate queued entries into the
 *                             Merkle tree and, when due, sign a checkpoint.
 *                             Run by ONE node at a time (the holder of the
 *                             "ledger.sequencer" lease, see sequencer.c).
 *
 * Entries are canonical JSON (docs/ledger.md): one object, keys sorted by
 * byte order, no whitespace, integers only, strings escaped minimally
 * (\" \\ \b \f \n \r \t, other controls as \u00xx), UTF-8 as is:
 *
 *   {"actor":{"id":1,"name":"admin"},"doc_hash":"ab12...","subject":{"id":7,
 *    "type":"org"},"tender":3,"time_ms":1764400000000,"type":"org.create","v":1}
 *
 * (doc_hash only when the event has a document, tender only when the event
 * belongs to a tender it is not the subject of.)
 *
 * The sequencer indexes every leaf it integrates by its subject and its
 * tender (store_ledger_subject_insert), so a witness certificate can
 * gather every entry of a subject (ledger/cert.h).
 *
 * Keys: the log's Ed25519 key (and SM2 key when the log uses SM3) are files
 * in the data directory of the node that signs, <data_dir>/ledger/ed25519.key (and sm2.key),
 * mode 0600, in the C2SP signer-key text form. The database holds only the
 * verifier keys. Every node that may hold the sequencer lease needs a copy
 * of the key files; a node without them integrates nothing (it logs why).
 */
#ifndef SUNBID_LEDGER_LEDGER_H
#define SUNBID_LEDGER_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/merkle.h"
#include "ledger/note.h"
#include "store/store.h"

#define LEDGER_SEQUENCER_LEASE "ledger.sequencer"
#define LEDGER_MAX_KEYS        2

struct ledger_event {
    const char *type;         /* "org.create"; [a-z0-9._] 1-64 bytes, required */
    const char *subject_type; /* "org"; required, same alphabet */
    int64_t subject_id;       /* the subject's id */
    int64_t actor_id;         /* the user, 0 for the CLI or the system */
    const char *actor_name;   /* username, "cli", "system"; required */
    const char *doc_hash;     /* lower-case hex hash of a document, or NULL */
    int64_t tender_id;        /* the tender an event of its parts (a lot, a bid, an
                               * opening) belongs to, written as "tender"; 0: none */
};

/* Queues ev in tx, stamped with clock_now_ms(). Returns a store_rc;
 * STORE_ERROR for an event that breaks the rules above. */
int ledger_append(struct store_tx *tx, const struct ledger_event *ev);
/* The canonical JSON of ev at time_ms, appended to out (for tests and for
 * ledger_append). 0 or -1. */
int ledger_event_json(const struct ledger_event *ev, int64_t time_ms, struct buf *out);

struct ledger_options {
    const char *origin;       /* checkpoint origin; default "sunbid.local/ledger" */
    enum merkle_alg alg;      /* for a new log; 0: SHA-256. SM3 adds an SM2 key */
    int batch_max;            /* entries per sequencing transaction; 0: 1024 */
    int64_t checkpoint_every; /* sign when this many entries are unsigned; 0: 1024 */
    int64_t checkpoint_ms;    /* ... or when the oldest unsigned is this old; 0: 1000 */
};

struct ledger_log {
    char origin[CHECKPOINT_MAX_ORIGIN + 1]; /* checkpoint origin line */
    enum merkle_alg alg;                    /* tree hash */
    struct note_key keys[LEDGER_MAX_KEYS];  /* signer keys (private), Ed25519 first */
    int nkeys;                              /* 0: this node cannot sign */
    int batch_max;                          /* from the options */
    int64_t checkpoint_every;
    int64_t checkpoint_ms;
};

/* Loads the log of store s, creating it (and its key files in data_dir) if
 * the store has none. err gets a reason on failure. */
int ledger_log_open(struct store *s, const char *data_dir, const struct ledger_options *opt,
                    struct ledger_log *log, char *err, size_t errlen);
void ledger_log_release(struct ledger_log *log);

/* One round of the sequencer: *integrated gets how many entries went into
 * the tree, *signed_size the size of a checkpoint signed (or -1). A store_rc;
 * STORE_BUSY means try again later. */
int ledger_sequencer_run_once(struct store *s, struct ledger_log *log, int *integrated,
                              int64_t *signed_size);

/* A merkle_reader over a transaction's stored hashes (ctx = the tx). */
int ledger_read_hash(void *tx, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_LEN]);

#endif
