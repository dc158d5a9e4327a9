/*
 * envelope.h — sealed bid envelopes (.sbe): seal, verify, open, streaming.
 *
 * The byte format is docs/envelope.md; in one picture:
 *
 *   preamble (16)   magic, version, suite, flags, header length
 *   header          created, tender, lot, bidder org, machine fingerprint,
 *                   signer certificate DER, recipients (wrapped content
 *                   key per recipient), files (role, size)
 *   chunks          every file's STREAM chunks, in file order, no framing
 *                   (their lengths follow from the sizes in the header)
 *   manifest        file names and content hashes, encrypted
 *   signature       over the header and a hash chain of everything after it
 *
 * The signature is checked by anyone (no key needed) in one pass over the
 * bytes: envelope_reader is a push parser that a server feeds an upload
 * piece by piece, holding at most one 64 KiB chunk. It learns the tender,
 * lot and signer from the header (the first few KiB), so an upload can be
 * refused early; the signature is verified when the last byte arrives.
 * Opening (envelope_open with a recipient key, envelope_open_with_key with
 * the content key itself) drives the same parser from a read callback and
 * decrypts each chunk as it passes. Sealing (envelope_seal) reads each file
 * once through a callback and writes the envelope through another. Memory
 * stays bounded (about 250 KiB) whatever the size of the files.
 *
 * Opening reports the first of these that applies, in this order, so the
 * message says what really failed: structure (malformed, truncated,
 * trailing data, limits) as soon as it is seen; then the signer
 * certificate and the signature (any altered byte); then the expected
 * signer, tender and lot; then the key (wrong key, bad wrap); then the
 * content (bad MAC, manifest, content hash). A validly signed envelope that
 * does not decrypt is therefore the signer's fault, never the carrier's.
 *
 * Not thread-safe per object; separate readers may run on separate threads.
 */
#ifndef SUNBID_CRYPTO_ENVELOPE_H
#define SUNBID_CRYPTO_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/buf.h"
#include "crypto/suite.h"

#define ENVELOPE_VERSION        1
#define ENVELOPE_MAGIC          "\x89SBE\r\n\x1a\n"
#define ENVELOPE_MAGIC_LEN      8
#define ENVELOPE_PREAMBLE_LEN   16
#define ENVELOPE_CHUNK          65536u /* plaintext bytes per chunk */
#define ENVELOPE_MAX_HEADER     65536u
#define ENVELOPE_MAX_FILES      64
#define ENVELOPE_MAX_RECIPIENTS 8
#define ENVELOPE_MAX_ID         64 /* tender, lot, org: printable ASCII, no space */
#define ENVELOPE_MAX_TOOL       64
#define ENVELOPE_MAX_NAME       255 /* bytes of a file name (UTF-8) */
#define ENVELOPE_MAX_CERT       16384u
#define ENVELOPE_MAX_FILE_SIZE  ((uint64_t)1 << 36) /* 64 GiB, also the total */
#define ENVELOPE_MAX_MANIFEST   65536u

enum envelope_role {
    ENVELOPE_ROLE_COMMERCIAL = 1, /* 商務標 */
    ENVELOPE_ROLE_TECHNICAL = 2,  /* 技術標 */
    ENVELOPE_ROLE_PRICE_LIST = 3, /* 報價清單 / 工程量清單 */
    ENVELOPE_ROLE_OTHER = 4
};
/* "commercial", "technical", "price-list", "other"; NULL for others. */
const char *envelope_role_name(int role);
/* The role for a name, or 0. */
int envelope_role_parse(const char *name);

enum envelope_recipient_kind {
    ENVELOPE_RCPT_BIDDER = 1, /* the bidder's own encryption key: exactly one, first */
    ENVELOPE_RCPT_ESCROW = 2  /* a tender's escrow key (k-of-n officers) */
};

/* Where the envelope was prepared (supervision compares these across bidders). */
struct envelope_machine {
    uint8_t host_hash[32];            /* SHA-256("sunbid-host-v1\0" || hostname); zeros: unknown */
    uint8_t mac_hash[32];             /* SHA-256("sunbid-mac-v1\0" || 6-byte MAC); zeros: unknown */
    char tool[ENVELOPE_MAX_TOOL + 1]; /* "sunbid 0.1.0" */
};

struct envelope_recipient {
    uint8_t kind;                 /* enum envelope_recipient_kind */
    uint8_t key_id[32];           /* SHA-256 of the recipient's SubjectPublicKeyInfo */
    uint16_t wrap_len;            /* bytes in wrap */
    uint8_t wrap[SUITE_MAX_WRAP]; /* the content key wrapped to it (suite.h) */
};

struct envelope_file {
    uint8_t role;  /* enum envelope_role */
    uint64_t size; /* plaintext bytes */
    /* Known only after opening with a key (from the encrypted manifest): */
    char name[ENVELOPE_MAX_NAME + 1];
    uint8_t hash[SUITE_HASH_LEN]; /* the suite's hash of the plaintext */
};

/* The public header, as parsed (and, after opening, with names and hashes). */
struct envelope_header {
    const struct suite *suite;
    uint64_t created_ms;              /* when it was sealed (sealer's clock) */
    char tender[ENVELOPE_MAX_ID + 1]; /* tender id it is bound to */
    char lot[ENVELOPE_MAX_ID + 1];    /* lot id */
    char org[ENVELOPE_MAX_ID + 1];    /* bidder organisation id, may be empty */
    struct envelope_machine machine;
    uint8_t *cert; /* signer certificate DER (owned) */
    size_t cert_len;
    uint8_t signer_fp[32]; /* SHA-256 of cert */
    int n_recipients;
    struct envelope_recipient rcpt[ENVELOPE_MAX_RECIPIENTS];
    int n_files;
    struct envelope_file files[ENVELOPE_MAX_FILES];
    uint8_t header_hash[SUITE_HASH_LEN]; /* suite hash of preamble + header */
    uint64_t header_len;                 /* bytes of preamble + header */
    uint64_t body_len;                   /* bytes of all chunks */
    int have_names;                      /* names and hashes filled in */
};
void envelope_header_free(struct envelope_header *h);

/* ---- sealing ---- */

/* One file to seal. read() must produce exactly size bytes, then 0. */
struct envelope_source {
    const char *name; /* stored encrypted; a base name (envelope_name_ok) */
    int role;         /* enum envelope_role */
    uint64_t size;
    ssize_t (*read)(void *arg, void *buf, size_t n); /* bytes, 0 at end, -1 error */
    void *arg;
};

struct envelope_seal_opts {
    const struct suite *suite;
    const char *tender, *lot, *org; /* org may be NULL or "" */
    uint64_t created_ms;
    const struct envelope_machine *machine; /* NULL: all unknown */
    EVP_PKEY *sign_key;                     /* borrowed; must match the certificate */
    const uint8_t *cert;                    /* borrowed DER */
    size_t cert_len;
    EVP_PKEY *bidder_key;         /* borrowed: the bidder's encryption key */
    EVP_PKEY *const *escrow_keys; /* borrowed, n_escrow of them */
    int n_escrow;
    const struct envelope_source *files;
    int n_files;
};

/* Writes all n bytes; returns 0, or -1 on error. */
typedef int (*envelope_write_fn)(void *arg, const void *p, size_t n);
typedef ssize_t (*envelope_read_fn)(void *arg, void *buf, size_t n);

/* Seals the files into an envelope written through write(). SEAL_OK or an
 * error (err filled). On error, what was written is garbage. */
int envelope_seal(const struct envelope_seal_opts *o, envelope_write_fn write, void *warg,
                  struct seal_error *err);

/* ---- reading (verifying while streaming) ---- */

/* Called as the parser passes each part. Return SEAL_OK to go on; any
 * other value stops the reader with that error. */
struct envelope_reader_cb {
    int (*header)(void *arg, const struct envelope_header *h, struct seal_error *err);
    int (*chunk)(void *arg, int file, uint64_t index, int last, const uint8_t *ct, size_t n,
                 struct seal_error *err);
    int (*manifest)(void *arg, const uint8_t *ct, size_t n, struct seal_error *err);
    void *arg;
};

struct envelope_reader;
/* cb may be NULL (verify only). Returns NULL when out of memory. */
struct envelope_reader *envelope_reader_new(const struct envelope_reader_cb *cb);
void envelope_reader_free(struct envelope_reader *r);
/* Feeds the next n bytes. The first error sticks: later calls return it. */
int envelope_reader_feed(struct envelope_reader *r, const void *p, size_t n,
                         struct seal_error *err);
/* At the end of input: SEAL_ETRUNCATED if incomplete, else verifies the
 * signer certificate and the signature (SEAL_EBADCERT, SEAL_EBADSIG). */
int envelope_reader_finish(struct envelope_reader *r, struct seal_error *err);
/* The parsed header, or NULL before it is complete. Borrowed. */
const struct envelope_header *envelope_reader_header(const struct envelope_reader *r);
/* Takes the header out (caller frees with envelope_header_free). */
struct envelope_header *envelope_reader_take_header(struct envelope_reader *r);
/* Bytes consumed so far. */
uint64_t envelope_reader_offset(const struct envelope_reader *r);
/* Before the first feed: the caller knows these bytes are exactly the ones
 * verified earlier (a stored blob whose content was checked against its
 * SHA-256 name as it was read back). The reader still parses every element
 * and hands chunks and manifest to the callbacks, but keeps no hash chain
 * and envelope_reader_finish checks completeness only, not the signature;
 * envelope_reader_signed_hash then fails. Opening a stored bid saves one
 * pass of the suite's hash over the whole envelope this way. */
void envelope_reader_known_bytes(struct envelope_reader *r);
/* The end of the hash chain, which the signature covers: it names the
 * envelope's content (a receipt can quote it). Available once the manifest
 * has been read; SEAL_ETRUNCATED before. */
int envelope_reader_signed_hash(const struct envelope_reader *r, uint8_t out[SUITE_HASH_LEN]);

/* ---- opening ---- */

struct envelope_open_opts {
    EVP_PKEY *key;                /* recipient private key; NULL: verify only */
    const char *expect_tender;    /* NULL: any */
    const char *expect_lot;       /* NULL: any */
    const uint8_t *expect_signer; /* SHA-256 of the signer certificate, or NULL */
};

/* Where plaintext goes. Called only with data whose chunk authenticated;
 * the caller must still discard everything unless envelope_open returns
 * SEAL_OK (names and hashes arrive last, with the signature). */
struct envelope_output {
    int (*begin)(void *arg, int file, const struct envelope_file *f);
    int (*write)(void *arg, int file, const void *p, size_t n);
    void *arg;
};

/* Reads a whole envelope through read(), verifies it, and with a key
 * decrypts it into out (may be NULL). *hdr (if not NULL) gets the header,
 * with names and hashes when decrypted, even on some errors (NULL when the
 * header could not be parsed); the caller frees it. */
int envelope_open(const struct envelope_open_opts *o, envelope_read_fn read, void *rarg,
                  const struct envelope_output *out, struct envelope_header **hdr,
                  struct seal_error *err);

/* Opens with the content key K itself instead of a recipient's private
 * key: at an opening the bidder releases K (or escrow officers rebuild it)
 * and the platform decrypts its stored copy with it. The same opener as
 * envelope_open (one pass, memory bounded whatever the envelope's size,
 * plaintext streamed to out, K and every stream key wiped before return),
 * and the same order of failures: structure and signature first (the
 * carrier's side), then the content. With no wrapped key to match, only
 * the manifest (the last element, authenticated under K) tells a wrong key
 * from bad content, so a chunk that does not authenticate is held until
 * the manifest has been tried:
 *   SEAL_EWRONGKEY   the manifest does not open: K is not this envelope's
 *                    (the holder of K may try again);
 *   SEAL_EBADMAC     it opens, but a chunk did not: the signer sealed bad data;
 *   SEAL_EBADHASH    a file's plaintext differs from its manifest hash;
 *   SEAL_EMALFORMED  the manifest opens but breaks the format.
 * No signer, tender or lot is expected here (the caller checked them when
 * the envelope was accepted). known: the bytes are exactly ones verified
 * earlier (envelope_reader_known_bytes: no signature check). out and hdr
 * as for envelope_open; out->write still sees only authenticated chunks,
 * and everything must be discarded unless SEAL_OK. K is borrowed. */
int envelope_open_with_key(const uint8_t key[SUITE_KEY_LEN], int known, envelope_read_fn read,
                           void *rarg, const struct envelope_output *out,
                           struct envelope_header **hdr, struct seal_error *err);

/* An output that keeps in memory the plaintext of the files of one role,
 * or of every file when role is ENVELOPE_KEEP_ANY (an opener picks among
 * them by name once the manifest has given the names): files larger than file_max are not kept, nor
 * any chunk that would take the total past total_max (a file cut short that way has file[i].len !=
 * its size; the caller must check). Heap object. */
#define ENVELOPE_KEEP_ANY 0 /* envelope_keep_new: keep files of any role */
struct envelope_keep {
    int role;                            /* enum envelope_role kept, or ENVELOPE_KEEP_ANY */
    uint64_t file_max;                   /* bytes of one file kept at most */
    size_t total_max;                    /* bytes kept in all at most */
    size_t kept;                         /* bytes kept so far */
    uint8_t roles[ENVELOPE_MAX_FILES];   /* each file's role (seen at begin) */
    uint64_t sizes[ENVELOPE_MAX_FILES];  /* and size */
    struct buf file[ENVELOPE_MAX_FILES]; /* the plaintext kept, by file index */
};
/* NULL when out of memory. */
struct envelope_keep *envelope_keep_new(int role, uint64_t file_max, size_t total_max);
void envelope_keep_free(struct envelope_keep *k); /* wipes what it kept; NULL: no-op */
/* The output to pass to envelope_open / envelope_open_with_key; borrows k. */
struct envelope_output envelope_keep_output(struct envelope_keep *k);

/* A read callback (envelope_read_fn) over bytes already in memory. */
struct envelope_mem {
    const uint8_t *p; /* borrowed */
    size_t len;       /* bytes at p */
    size_t at;        /* bytes handed out so far */
};
ssize_t envelope_mem_read(void *arg, void *buf, size_t n);

/* ---- helpers ---- */

/* 1 when s is acceptable as a stored file name: 1..255 bytes of UTF-8, no
 * control characters, none of / \ : * ? " < > |, not starting with '.'. */
int envelope_name_ok(const char *s, size_t n);
/* 1 when s is an acceptable tender/lot/org id: 1..64 printable ASCII, no space. */
int envelope_id_ok(const char *s);

#endif
