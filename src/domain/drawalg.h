/*
 * drawalg.h — the expert draw's deterministic algorithm (專家抽取), pure:
 * no store, no clock, no randomness of its own. docs/draw.md is its
 * specification, with a worked example that tests/unit/test_drawalg.c
 * checks; domain/draw.c runs it on live data, `sunbid draw verify` runs it
 * again on a draw record, and both must get the same order.
 *
 * Inputs:
 *   seed        32 secret bytes, committed to (SHA-256, hex) in the witness
 *               log before the draw and revealed after the evaluation
 *   checkpoint  the exact text of the first signed checkpoint of the log
 *               that includes that commitment
 *   requests    groups in order: a specialty code, a region ("" = any; a
 *               GB/T 2260 code matches every code under it), how many
 *               experts and how many reserves
 *   snapshot    the experts eligible at the draw (recusal rules already
 *               applied), ascending by id, each with its region and its
 *               specialty codes including every ancestor code
 *
 * From them:
 *   S  = canonical snapshot text, R = canonical requests text (below)
 *   K  = HMAC-SHA-256(seed, "sunbid-draw/1" 0x00 || SHA-256(checkpoint)
 *                            || SHA-256(S) || SHA-256(R))
 *   group g's candidates: the snapshot's experts (ascending id) that have
 *        the group's specialty and region, less those among the first
 *        count+reserves positions of an earlier group
 *   group g's order: a forward Fisher–Yates over its candidates, position
 *        i swapping in the element at i + U(n - i), where U draws from the
 *        stream HMAC-SHA-256(K, "sunbid-draw-stream/1" 0x00 || u32be(g) ||
 *        u64be(t)), t = 0, 1, ..., read as 8-byte big-endian integers with
 *        rejection above the largest multiple of the bound.
 *
 * The forward shuffle fixes position i from the first i+1 draws alone, so
 * the order can be extended later (replacements past the reserves) and
 * every prefix of it is verifiable on its own, and the work is in the
 * positions used, not the pool's size.
 */
#ifndef SUNBID_DOMAIN_DRAWALG_H
#define SUNBID_DOMAIN_DRAWALG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define DRAW_SEED_LEN    32
#define DRAW_HASH_LEN    32
#define DRAW_GROUPS_MAX  16  /* groups in one draw */
#define DRAW_COUNT_MAX   49  /* experts of one group (a committee is at most 49 here) */
#define DRAW_RESERVE_MAX 50  /* reserves of one group */
#define DRAW_SPEC_MAX    32  /* bytes of a specialty code */
#define DRAW_REGION_LEN  6   /* GB/T 2260 */
#define DRAW_SPECS_MAX   160 /* specialty codes of one expert, ancestors included */

struct draw_request {
    char specialty[DRAW_SPEC_MAX + 1]; /* "A01.02" */
    char region[DRAW_REGION_LEN + 1];  /* "350100", or "" for any */
    int count;                         /* experts, 1..DRAW_COUNT_MAX */
    int reserves;                      /* 0..DRAW_RESERVE_MAX */
};

struct draw_expert {
    int64_t id;         /* > 0, ascending in a snapshot */
    const char *region; /* 6 digits */
    const char **specs; /* nspecs codes, ascending byte order, no duplicates */
    int nspecs;
};

/* One group's order as computed so far. */
struct draw_group {
    int64_t *a; /* the candidates, a[0..m) the positions fixed so far */
    size_t n;   /* candidates */
    size_t m;   /* positions computed */
    uint64_t t; /* next stream block */
    uint8_t block[DRAW_HASH_LEN];
    unsigned used; /* bytes of block consumed; 32: empty */
};

struct draw_run {
    uint8_t key[DRAW_HASH_LEN];
    uint8_t checkpoint_sha[DRAW_HASH_LEN];
    uint8_t snapshot_sha[DRAW_HASH_LEN];
    uint8_t requests_sha[DRAW_HASH_LEN];
    int ngroups;
    struct draw_group g[DRAW_GROUPS_MAX];
};

enum drawalg_rc {
    DRAWALG_OK = 0,
    DRAWALG_EINVAL = -1, /* a malformed request or snapshot */
    DRAWALG_ENOMEM = -2,
    DRAWALG_ECRYPTO = -3
};

/* True when code is a specialty code: 1..DRAW_SPEC_MAX of [A-Z0-9.], not
 * starting or ending with '.', no "..". */
bool drawalg_spec_ok(const char *code);
/* True when region is "" or six digits. */
bool drawalg_region_ok(const char *region);
/* True when the expert's region falls under the request's region: equal
 * after dropping the request's trailing "00" pairs ("350100" -> "3501"). */
bool drawalg_region_match(const char *request_region, const char *expert_region);
/* Checks counts and codes of the requests. */
bool drawalg_requests_ok(const struct draw_request *req, int n);

/* The canonical texts (docs/draw.md), appended to out. BUF_* codes;
 * DRAWALG_EINVAL for a snapshot out of order or malformed. */
int drawalg_requests_text(const struct draw_request *req, int n, struct buf *out);
int drawalg_snapshot_text(const struct draw_expert *e, size_t n, struct buf *out);
/* One expert's line of the snapshot text ("e <id> <region> <codes>\n");
 * DRAWALG_EINVAL for a malformed expert, DRAWALG_ENOMEM when out is full. */
int drawalg_snapshot_line(const struct draw_expert *e, struct buf *out);

/* Parses a canonical snapshot text back into experts (strings and arrays
 * in arena a); DRAWALG_EINVAL when it is not exactly canonical. */
struct arena;
int drawalg_snapshot_parse(const char *text, size_t len, struct arena *a, struct draw_expert **out,
                           size_t *n);

/* Computes the key and every group's first count+reserves positions (or
 * all its candidates when there are fewer). */
int drawalg_run(struct draw_run *r, const uint8_t seed[DRAW_SEED_LEN], const char *checkpoint,
                size_t checkpoint_len, const struct draw_request *req, int nreq,
                const struct draw_expert *e, size_t n);
/* The same, with the SHA-256 of the snapshot's canonical text already
 * computed by the caller (domain/draw.c hashes it as it assembles it from
 * its pool cache, without the text of drawalg_snapshot_text): e[0..n) must
 * be exactly the experts of that text. */
int drawalg_run_hashed(struct draw_run *r, const uint8_t seed[DRAW_SEED_LEN],
                       const char *checkpoint, size_t checkpoint_len,
                       const struct draw_request *req, int nreq, const struct draw_expert *e,
                       size_t n, const uint8_t snapshot_sha[DRAW_HASH_LEN]);
/* Extends group g (0-based) to m positions (at most its candidates). */
int drawalg_extend(struct draw_run *r, int g, size_t m);
void drawalg_run_release(struct draw_run *r);

/* SHA-256 of the seed as 64 lower-case hex digits (the commitment). */
void drawalg_commitment(const uint8_t seed[DRAW_SEED_LEN], char out[2 * DRAW_HASH_LEN + 1]);
/* Lower-case hex of n bytes; out holds 2n+1. */
void drawalg_hex(const uint8_t *p, size_t n, char *out);
/* Parses 2n hex digits (either case) into n bytes; false when malformed. */
bool drawalg_unhex(const char *hex, uint8_t *out, size_t n);

#endif
