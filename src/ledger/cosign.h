/*
 * cosign.h — witness cosignatures on tlog checkpoints (C2SP
 * tlog-cosignature v1, c2sp.org/tlog-cosignature).
 *
 * A witness that checked a checkpoint's consistency signs, with Ed25519,
 *
 *     "cosignature/v1\n" "time " <decimal unix seconds> "\n" <checkpoint body>
 *
 * where the body is the note text (origin, size, root, extension lines,
 * with its final newline; not the blank line or the log's signatures). The
 * result is one extra signed-note signature line:
 *
 *     — NAME base64(key id (4) || timestamp (8, big-endian) || signature (64))
 *
 * Key id = SHA-256(NAME || 0x0A || 0x04 || 32-byte public key)[:4]; 0x04 is
 * the cosignature/v1 type byte. Verifier key text (as Go's sumdb/note):
 * NAME+HHHHHHHH+base64(0x04 || public key); signer key text:
 * PRIVATE+KEY+NAME+HHHHHHHH+base64(0x04 || 32-byte seed).
 *
 * Thread-safe: keys are read-only once made.
 */
#ifndef SUNBID_LEDGER_COSIGN_H
#define SUNBID_LEDGER_COSIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "ledger/note.h"

#define COSIGN_TYPE    0x04
#define COSIGN_SIG_LEN (4 + 8 + 64) /* key id, timestamp, Ed25519 signature */

struct cosign_key {
    char name[NOTE_MAX_NAME + 1]; /* witness name, no spaces or '+' */
    uint32_t id;                  /* key id */
    void *pkey;                   /* EVP_PKEY (Ed25519), owned */
    bool has_private;             /* pkey can sign */
};

/* Makes a fresh Ed25519 witness key. Returns a note_rc. */
int cosign_key_generate(struct cosign_key *k, const char *name);
/* Parses a verifier key / signer key text (see above). Returns a note_rc. */
int cosign_key_parse_vkey(struct cosign_key *k, const char *text, size_t n);
int cosign_key_parse_skey(struct cosign_key *k, const char *text, size_t n);
/* Appends the verifier key / signer key text to out. */
int cosign_key_vkey(const struct cosign_key *k, struct buf *out);
int cosign_key_skey(const struct cosign_key *k, struct buf *out);
void cosign_key_release(struct cosign_key *k); /* safe twice */

/* Appends the cosignature line "— NAME BASE64\n" over the checkpoint body
 * (the note text, ending in '\n') at unix time `timestamp` to out. */
int cosign_sign(const struct cosign_key *k, const char *body, size_t n, uint64_t timestamp,
                struct buf *out);

/* Verifies one cosignature line (with or without its final '\n') over the
 * checkpoint body against k: NOTE_OK, NOTE_EMALFORMED (not a cosignature
 * line), NOTE_EUNVERIFIED (name or key id is not k's), NOTE_EBADSIG (the
 * signature does not verify). *timestamp (may be NULL) gets the signed
 * time on NOTE_OK. */
int cosign_verify_line(const struct cosign_key *k, const char *body, size_t n, const char *line,
                       size_t len, uint64_t *timestamp);

/* The name in a cosignature line "— NAME BASE64": *name points into line.
 * False when the line is not shaped like a signature line. */
bool cosign_line_name(const char *line, size_t len, const char **name, size_t *nlen);

/* The trusted witnesses: keys parsed from verifier-key texts, read-only once
 * loaded. Names are unique. */
#define COSIGN_MAX_WITNESSES 64
struct cosign_witnesses {
    struct cosign_key *keys; /* heap array */
    size_t n;
};

/* Loads the verifier keys `vkeys[0..nvkeys)` and, when `file` exists, its
 * lines (one vkey each; blank lines and lines starting with '#' skipped).
 * A malformed key, a repeated name or more than COSIGN_MAX_WITNESSES keys
 * fail (NOTE_EMALFORMED, with a message in err); a missing file is no
 * error. On success free with cosign_witnesses_free. */
int cosign_witnesses_load(struct cosign_witnesses *w, const char *const *vkeys, size_t nvkeys,
                          const char *file, char *err, size_t errlen);
void cosign_witnesses_free(struct cosign_witnesses *w); /* safe twice */
/* The witness named name[0..nlen), or NULL. */
const struct cosign_key *cosign_witness_find(const struct cosign_witnesses *w, const char *name,
                                             size_t nlen);

#endif
