/*
 * witness.h — the pure parts of `sunbid witness` (cli/witness.c), exposed
 * for the unit tests (tests/unit/test_witness.c) and the fuzz target
 * (fuzz/fuzz_witness.c): judging a new checkpoint against the one the
 * witness last cosigned, and reading the log's JSON answers.
 *
 * The witness keeps one state file: the checkpoint body (C2SP
 * tlog-checkpoint note text: origin, size, base64 root, each ending in
 * '\n') of the last checkpoint it verified and cosigned. It parses with
 * checkpoint_parse (ledger/note.h).
 */
#ifndef SUNBID_CLI_WITNESS_H
#define SUNBID_CLI_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "ledger/merkle.h"
#include "ledger/note.h"

enum witness_verdict {
    WITNESS_NEW = 0,           /* a newer tree, consistent with the state (or no state) */
    WITNESS_SAME = 1,          /* the same tree as the state: nothing to cosign */
    WITNESS_ROLLBACK = -1,     /* smaller than the state: the log went back */
    WITNESS_FORK = -2,         /* the state's size with another root: a split view */
    WITNESS_INCONSISTENT = -3, /* larger, but the consistency proof fails */
    WITNESS_OTHER_LOG = -4     /* another origin than the state's */
};

/* Judges checkpoint cur against old (the state; NULL on first use: trusted,
 * WITNESS_NEW). For cur larger than old, proof[0..n) is the RFC 9162
 * consistency proof from old->size to cur->size under alg. */
enum witness_verdict witness_judge(const struct checkpoint *old, const struct checkpoint *cur,
                                   enum merkle_alg alg, const uint8_t (*proof)[MERKLE_HASH_LEN],
                                   size_t n);
/* A sentence for a verdict ("the log rolled back: ..."), static. */
const char *witness_verdict_text(enum witness_verdict v);

/* Reads GET /api/ledger/proof/consistency's JSON {"from","to","hashes":[b64]}:
 * from and to must be the ones asked for, at most MERKLE_MAX_PROOF hashes,
 * each canonical base64 of MERKLE_HASH_LEN bytes. 0, or -1 with a reason. */
int witness_proof_parse(const char *json, size_t n, uint64_t from, uint64_t to,
                        uint8_t (*out)[MERKLE_HASH_LEN], size_t *count, char *err, size_t errlen);
/* Reads GET /api/ledger/key's JSON for its "hash" ("sha256" | "sm3"). */
int witness_key_hash(const char *json, size_t n, enum merkle_alg *alg, char *err, size_t errlen);

#endif
