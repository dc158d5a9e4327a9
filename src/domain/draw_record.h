/*
 * draw_record.h — the draw record: one JSON file that holds everything a
 * draw was made from and what came of it, so that anyone holding it can
 * check the draw offline (`sunbid draw verify FILE`). docs/draw.md,
 * "The record", describes every field; its shape:
 *
 *   {"format":"sunbid-draw-record/1","draw":12,"tender":{"id":3,"code":"..."},
 *    "state":"drawn","commitment":"<hex SHA-256(seed)>","seed":"<hex>"|null,
 *    "requests":[{"specialty":"A01.02","region":"350100"|"","count":3,"reserves":2}],
 *    "checkpoint":"<the exact signed checkpoint text>",
 *    "log":{"hash":"sha256",
 *           "commit":{"index":N,"entry":"<canonical JSON>","proof":["<hex>",...]},
 *           "run":{"index":N,"entry":"...","proof":[...],"checkpoint":"..."}|null},
 *    "snapshot":{"sha256":"<hex>","experts":[[id,"region",["A","A01",...]],...]},
 *    "excluded":[[id,"reason"],...],
 *    "orders":[[id,id,...],...],
 *    "members":[{"expert":id,"group":1,"position":0,"role":"primary",
 *                "status":"confirmed","replaces":id|null,"reason":null|"..."}]}
 *
 * The checks of draw_record_verify(), each named (the names are stable;
 * `sunbid draw verify` prints them):
 *
 *   format            the file parses and every field is well-formed
 *   commitment        SHA-256(seed) is the commitment (needs the seed)
 *   commit-entry      the log's commit entry is this draw's "draw.commit"
 *                     and carries the commitment
 *   commit-inclusion  that entry is in the tree of the mixed checkpoint
 *                     (an RFC 9162 inclusion proof to its root), so the
 *                     commitment was logged before the checkpoint existed
 *   checkpoint-key    (with keys) the checkpoint's signature verifies
 *   snapshot          the snapshot's canonical text hashes to snapshot.sha256
 *   run-entry         (when the record has it) the log's "draw.run" entry
 *                     carries that snapshot hash, and its inclusion proof
 *                     verifies against the checkpoint given with it
 *   order             the algorithm (drawalg.h) gives the recorded orders
 *   members           every member sits at its recorded position of its
 *                     group's order, primaries before the reserves
 *
 * Parsing is bounded (DRAW_RECORD_MAX bytes; counts by the drawalg limits
 * and DRAW_RECORD_EXPERTS_MAX) and allocates in the caller's arena.
 * Threads: any; pure.
 */
#ifndef SUNBID_DOMAIN_DRAW_RECORD_H
#define SUNBID_DOMAIN_DRAW_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "domain/drawalg.h"
#include "ledger/merkle.h"
#include "ledger/note.h"

#define DRAW_RECORD_FORMAT      "sunbid-draw-record/1"
#define DRAW_RECORD_MAX         ((size_t)256 << 20)
#define DRAW_RECORD_EXPERTS_MAX 500000
#define DRAW_RECORD_MEMBERS_MAX 2000
#define DRAW_REASON_MAX         64

/* One witness-log entry of the draw with its inclusion proof. */
struct draw_log_entry {
    bool present;
    int64_t index;                     /* leaf index */
    const char *entry;                 /* canonical JSON, as logged */
    uint8_t (*proof)[MERKLE_HASH_LEN]; /* nproof hashes, leaf side first */
    size_t nproof;
    const char *checkpoint; /* run only: the note the proof goes to */
};

struct draw_excluded {
    int64_t id;
    const char *reason; /* employee, relation, unavailable, limit_30d, suspended, ... */
};

struct draw_member_rec {
    int64_t expert;
    int group;        /* 1-based */
    int64_t position; /* 0-based in the group's order */
    const char *role; /* primary, reserve, replacement */
    const char *status;
    int64_t replaces; /* expert id; 0: none */
    const char *reason;
};

struct draw_record {
    int64_t draw_id;
    int64_t tender_id;
    const char *tender_code;
    const char *state;
    char commitment[2 * DRAW_HASH_LEN + 1];
    bool has_seed;
    uint8_t seed[DRAW_SEED_LEN];
    struct draw_request req[DRAW_GROUPS_MAX];
    int nreq;
    const char *checkpoint; /* the mixed checkpoint, exact text */
    size_t checkpoint_len;
    const char *log_hash; /* "sha256" | "sm3" */
    struct draw_log_entry commit, run;
    char snapshot_sha[2 * DRAW_HASH_LEN + 1];
    struct draw_expert *experts;
    size_t nexperts;
    struct draw_excluded *excluded;
    size_t nexcluded;
    int64_t *orders[DRAW_GROUPS_MAX]; /* recorded positions per group */
    size_t norder[DRAW_GROUPS_MAX];
    struct draw_member_rec *members;
    size_t nmembers;
};

/* Writes the record as JSON (one object, keys in the order above). */
int draw_record_write(const struct draw_record *r, struct buf *out);
/* Parses a record; strings and arrays go to arena a. false with a reason
 * in why (printable) when it is not a well-formed record. */
bool draw_record_parse(const char *text, size_t len, struct arena *a, struct draw_record *out,
                       char *why, size_t whylen);

#define DRAW_CHECKS_MAX 10

struct draw_check {
    const char *name; /* format, commitment, ... (static) */
    bool ok;
    bool skipped;  /* not applicable (no keys, no run entry yet) */
    char why[200]; /* what failed, or a note */
};

/* Runs every check on a parsed record. keys (may be NULL) are verifier keys
 * for the checkpoints. *nchecks gets the number filled; returns true when
 * none failed. */
bool draw_record_verify(const struct draw_record *r, const struct note_key *keys, size_t nkeys,
                        struct draw_check *checks, int *nchecks);

/* The note text (through the line before the blank line) of a signed note,
 * and its length; 0 when there is none. */
size_t draw_note_text_len(const char *note, size_t n);

#endif
