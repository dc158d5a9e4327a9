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
 * PRIVATE+KEY+NAME+HHHHHHHH+base64(0x04 || 32-byte seed). Those texts, the
 * key id and the key itself are note.c's (struct note_key, type
 * NOTE_COSIGN_V1); this module owns only the cosigned message, its
 * timestamp and the list of trusted witnesses.
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

#define COSIGN_TYPE    NOTE_COSIGN_V1 /* 0x04, the key type byte */
#define COSIGN_SIG_LEN (4 + 8 + 64)   /* key id, timestamp, Ed25519 signature */

/* Witness keys are struct note_key of type NOTE_COSIGN_V1: make one with
 * note_key_generate(&k, name, NOTE_COSIGN_V1), read and write their texts
 * with note_key_parse_vkey/_skey and note_key_vkey/_skey (note.h). The
 * functions below refuse keys of any other type. */

/* Appends the cosignature line "— NAME BASE64\n" over the checkpoint body
 * (the note text, ending in '\n') at unix time `timestamp` to out. */
int cosign_sign(const struct note_key *k, const char *body, size_t n, uint64_t timestamp,
                struct buf *out);

/* Verifies one cosignature line (with or without its final '\n') over the
 * checkpoint body against k: NOTE_OK, NOTE_EMALFORMED (not a cosignature
 * line), NOTE_EUNVERIFIED (name or key id is not k's, or k is not a
 * NOTE_COSIGN_V1 key), NOTE_EBADSIG (the
 * signature does not verify). *timestamp (may be NULL) gets the signed
 * time on NOTE_OK. */
int cosign_verify_line(const struct note_key *k, const char *body, size_t n, const char *line,
                       size_t len, uint64_t *timestamp);

/* The name in a cosignature line "— NAME BASE64": *name points into line.
 * False when the line is not a signature line (note_sig_line_parse). */
bool cosign_line_name(const char *line, size_t len, const char **name, size_t *nlen);

/* The trusted witnesses: NOTE_COSIGN_V1 keys parsed from verifier-key
 * texts, read-only once loaded. Names are unique. */
#define COSIGN_MAX_WITNESSES 64
struct cosign_witnesses {
    struct note_key *keys; /* heap array, every one NOTE_COSIGN_V1 */
    size_t n;              /* keys in use */
};

/* Loads the verifier keys `vkeys[0..nvkeys)` and, when `file` exists, its
 * lines (one vkey each; blank lines and lines starting with '#' skipped).
 * A malformed key, a key of another type (a log's 0x01 key is not a
 * witness key), a repeated name or more than COSIGN_MAX_WITNESSES keys
 * fail (NOTE_EMALFORMED, with a message in err); a missing file is no
 * error. On success free with cosign_witnesses_free. */
int cosign_witnesses_load(struct cosign_witnesses *w, const char *const *vkeys, size_t nvkeys,
                          const char *file, char *err, size_t errlen);
void cosign_witnesses_free(struct cosign_witnesses *w); /* safe twice */
/* The witness named name[0..nlen), or NULL. */
const struct note_key *cosign_witness_find(const struct cosign_witnesses *w, const char *name,
                                           size_t nlen);

#endif
