/*
 * note.h — C2SP signed notes (c2sp.org/signed-note) and tlog checkpoints
 * (c2sp.org/tlog-checkpoint), signed with Ed25519 or SM2.
 *
 *     example.org/log            <- origin
 *     42                         <- tree size, decimal, no leading zeros
 *     qINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=   <- base64 root hash
 *                                <- blank line
 *     — example.org/log AAAAAAgo...  <- "— NAME base64(key id (4, big-endian) || signature)"
 *
 * Key ids: SHA-256(name || 0x0A || type || public key)[:4], the spec's
 * recommendation. Types:
 *   0x01        Ed25519 (RFC 8032) over the note text; public key = 32 bytes.
 *   0xff "sunbid-sm2"
 *               sunbid's own extension (the spec reserves 0xff for types it
 *               does not assign, "followed by a longer identifier"): SM2 with
 *               SM3 and the default user id "1234567812345678" (GB/T 32918),
 *               signature DER-encoded; public key = its SubjectPublicKeyInfo
 *               DER. The type bytes are the 11 bytes 0xff "sunbid-sm2".
 *   0x04        a witness's cosignature key (c2sp.org/tlog-cosignature v1):
 *               Ed25519, public key = 32 bytes, but it signs a DIFFERENT
 *               message ("cosignature/v1\ntime T\n" || note text, see
 *               cosign.h), never the note text itself. Its key text, id and
 *               parsing are the same as an Ed25519 key's, so it lives here;
 *               note_sign refuses it and note_open never counts it as a
 *               note signer (its lines are skipped like an unknown key's).
 *
 * Text formats of keys (as Go's sumdb/note):
 *   verifier key  NAME+HHHHHHHH+base64(type || public key)
 *   signer key    PRIVATE+KEY+NAME+HHHHHHHH+base64(type || private key)
 *                 (Ed25519: the 32-byte seed; SM2: PKCS#8 DER)
 *
 * Limits: a note is at most NOTE_MAX_BYTES, has at most NOTE_MAX_SIGS
 * signature lines (the spec asks verifiers to accept at least 16), key names
 * at most NOTE_MAX_NAME bytes. Thread-safe: keys are read-only once made.
 */
#ifndef SUNBID_LEDGER_NOTE_H
#define SUNBID_LEDGER_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "ledger/merkle.h"

#define NOTE_MAX_BYTES 16384
#define NOTE_MAX_SIGS  32
#define NOTE_MAX_NAME  255
#define NOTE_MAX_SIG   256 /* signature bytes after the key id */

enum note_type {
    NOTE_ED25519 = 0x01,
    NOTE_COSIGN_V1 = 0x04, /* witness cosignature key: Ed25519 over another message */
    NOTE_SM2 = 0xff        /* with the identifier "sunbid-sm2", see above */
};

enum note_rc {
    NOTE_OK = 0,
    NOTE_EMALFORMED = -1,  /* the note or key text breaks the format or a limit */
    NOTE_EUNVERIFIED = -2, /* no signature by a known key */
    NOTE_EBADSIG = -3,     /* a signature by a known key does not verify */
    NOTE_ECRYPTO = -4      /* OpenSSL failed */
};

struct note_key {
    char name[NOTE_MAX_NAME + 1]; /* key name, no spaces or '+' */
    uint32_t id;                  /* key id (first four bytes of the key hash) */
    enum note_type type;          /* signature type */
    void *pkey;                   /* EVP_PKEY, owned; private or public only */
    bool has_private;             /* pkey can sign */
};

/* Makes a fresh key pair (any of the three types). */
int note_key_generate(struct note_key *k, const char *name, enum note_type type);
/* Parses a verifier key (public) or a signer key (private) text. */
int note_key_parse_vkey(struct note_key *k, const char *text, size_t n);
int note_key_parse_skey(struct note_key *k, const char *text, size_t n);
/* Formats the verifier key / signer key text (appended to out). */
int note_key_vkey(const struct note_key *k, struct buf *out);
int note_key_skey(const struct note_key *k, struct buf *out);
void note_key_release(struct note_key *k); /* frees pkey; safe twice */

/* Appends text (which must end in '\n' and hold no blank-line issues),
 * a blank line and one signature line per key to out. A NOTE_COSIGN_V1 key
 * is refused (NOTE_EMALFORMED): it does not sign note text. */
int note_sign(const char *text, size_t n, const struct note_key *keys, size_t nkeys,
              struct buf *out);

/* Opens a signed note: checks the format and limits, verifies every
 * signature whose (name, id) matches a key in `keys` (public or private
 * keys both verify). NOTE_COSIGN_V1 keys in `keys` are skipped: a
 * cosignature line verifies only through cosign_verify_line, so it is
 * ignored here like a line by an unknown key and never counts as a note
 * signature. NOTE_OK when at least one verified and none failed;
 * *text_len (may be NULL) gets the length of the note text (with its final
 * newline); *verified (may be NULL) the count of verified signatures. */
int note_open(const char *msg, size_t n, const struct note_key *keys, size_t nkeys,
              size_t *text_len, int *verified);

/* The pieces cosign.c shares with signed notes. */

/* Is n bytes of name a valid key name (non-empty, at most NOTE_MAX_NAME,
 * UTF-8, no '+', no space or other Unicode white space, no control)? */
bool note_name_ok(const char *name, size_t n);

/* Parses one signature line "— NAME BASE64" (len bytes, its final '\n'
 * optional): a valid key name, then canonical base64 of at least 5 bytes
 * (key id, 4 bytes big-endian, then the signature) that fits in cap.
 * *name points into line; sig gets the decoded bytes, *siglen their count.
 * NOTE_OK or NOTE_EMALFORMED. */
int note_sig_line_parse(const char *line, size_t len, const char **name, size_t *nlen, uint8_t *sig,
                        size_t cap, size_t *siglen);

/* The key's bare signature over msg, without any note framing: Ed25519
 * (NOTE_ED25519, NOTE_COSIGN_V1) or SM2 with SM3 and the default user id
 * (NOTE_SM2). Callers build the exact message their format signs.
 * note_key_sign_raw: *siglen is sig's capacity in, the length out (an
 * Ed25519 signature is 64 bytes; needs has_private). note_key_verify_raw:
 * NOTE_OK or NOTE_EBADSIG. */
int note_key_sign_raw(const struct note_key *k, const void *msg, size_t n, uint8_t *sig,
                      size_t *siglen);
int note_key_verify_raw(const struct note_key *k, const void *msg, size_t n, const uint8_t *sig,
                        size_t siglen);

/* A tlog checkpoint's body (the note text). */
#define CHECKPOINT_MAX_ORIGIN 255

struct checkpoint {
    char origin[CHECKPOINT_MAX_ORIGIN + 1]; /* first line, non-empty */
    uint64_t size;                          /* tree size */
    uint8_t root[MERKLE_HASH_LEN];          /* root hash */
};

/* "origin\nsize\nbase64(root)\n" appended to out. */
int checkpoint_format(const struct checkpoint *cp, struct buf *out);
/* Parses a checkpoint body (the note text, as note_open delimits it).
 * Extension lines after the root are allowed (non-empty, no control chars)
 * and ignored. */
int checkpoint_parse(const char *text, size_t n, struct checkpoint *cp);

#endif
