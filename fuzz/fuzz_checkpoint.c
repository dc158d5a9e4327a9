/*
 * fuzz_checkpoint.c — libFuzzer target for the signed-note and checkpoint
 * parsers (ledger/note.h): the bytes of a published checkpoint in,
 * note_open() (against the Go note package's example verifier key and a
 * fresh-per-process SM2 key), checkpoint_parse() and the key parsers over
 * them; and the same bytes as the body of POST /api/ledger/cosignature: one
 * cosignature line (cosign_line_name, cosign_verify_line against a witness
 * key over the tlog-cosignature spec's example checkpoint), and, for a note
 * whose text is that checkpoint, each of its signature lines.
 *
 * Besides "does not crash, leak or trip a sanitizer", it checks:
 *   - note_open() succeeds only with a text length inside the input, ending
 *     in '\n', followed by the blank line;
 *   - a parsed checkpoint formats back to exactly its first three lines;
 *   - a parsed verifier key formats back to exactly the input;
 *   - a cosignature line that verifies has a name cosign_line_name finds,
 *     and the witness's key never verifies as a note signer.
 *
 * Seeds: fuzz/corpus/checkpoint/. Replayed by fuzz/replay.c in ordinary
 * builds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/cosign.h"
#include "ledger/note.h"

static const char peter_vkey[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
/* tests/unit/test_cosign.c's witness and the spec's example checkpoint */
static const char w1_vkey[] =
    "witness.example.com/w1+a0059f11+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
static const char cp_body[] = "example.com/behind-the-sofa\n20852163\n"
                              "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

/* The input as one cosignature line over cp_body. */
static void check_cosig_line(const struct note_key *w, const char *line, size_t len)
{
    const char *name;
    size_t nlen;
    uint64_t ts = 0;
    bool shaped = cosign_line_name(line, len, &name, &nlen);
    int rc = cosign_verify_line(w, cp_body, sizeof cp_body - 1, line, len, &ts);
    if (rc == NOTE_OK && (!shaped || nlen != strlen(w->name) || memcmp(name, w->name, nlen) != 0))
        abort();
    if (!shaped && rc != NOTE_EMALFORMED)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct note_key key, wit;
    static int ready;
    const char *msg = (const char *)data;
    struct checkpoint cp;
    struct buf b;
    size_t tl = 0;
    int good = 0, rc;

    if (!ready) {
        if (note_key_parse_vkey(&key, peter_vkey, strlen(peter_vkey)) != NOTE_OK ||
            note_key_parse_vkey(&wit, w1_vkey, strlen(w1_vkey)) != NOTE_OK)
            abort();
        ready = 1;
    }
    if (note_open(msg, size, &wit, 1, NULL, NULL) == NOTE_OK)
        abort(); /* a witness key is never a note signer */
    if (size < 1024)
        check_cosig_line(&wit, msg, size);
    if (size > sizeof cp_body && memcmp(msg, cp_body, sizeof cp_body - 1) == 0 &&
        msg[sizeof cp_body - 1] == '\n') {
        /* a cosigned checkpoint: each line after the blank line */
        for (size_t p = sizeof cp_body; p < size;) {
            const char *nl = memchr(msg + p, '\n', size - p);
            size_t ll = nl ? (size_t)(nl - (msg + p)) : size - p;
            check_cosig_line(&wit, msg + p, ll);
            p += ll + 1;
        }
    }
    rc = note_open(msg, size, &key, 1, &tl, &good);
    if (rc == NOTE_OK) {
        if (tl == 0 || tl + 1 >= size || msg[tl - 1] != '\n' || msg[tl] != '\n' || good < 1)
            abort();
    }
    buf_init(&b, 1024);
    if (checkpoint_parse(msg, size, &cp) == NOTE_OK) {
        if (checkpoint_format(&cp, &b) != NOTE_OK || b.len > size ||
            memcmp(b.data, msg, b.len) != 0)
            abort();
    }
    buf_reset(&b);
    struct note_key k;
    if (size < 4096 && note_key_parse_vkey(&k, msg, size) == NOTE_OK) {
        if (note_key_vkey(&k, &b) != NOTE_OK || b.len != size || memcmp(b.data, msg, size) != 0)
            abort();
        note_key_release(&k);
    }
    buf_release(&b);
    return 0;
}
