/*
 * fuzz_checkpoint.c — libFuzzer target for the signed-note and checkpoint
 * parsers (ledger/note.h): the bytes of a published checkpoint in,
 * note_open() (against the Go note package's example verifier key and a
 * fresh-per-process SM2 key), checkpoint_parse() and the key parsers over
 * them.
 *
 * Besides "does not crash, leak or trip a sanitizer", it checks:
 *   - note_open() succeeds only with a text length inside the input, ending
 *     in '\n', followed by the blank line;
 *   - a parsed checkpoint formats back to exactly its first three lines;
 *   - a parsed verifier key formats back to exactly the input.
 *
 * Seeds: fuzz/corpus/checkpoint/. Replayed by fuzz/replay.c in ordinary
 * builds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/note.h"

static const char peter_vkey[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct note_key key;
    static int ready;
    const char *msg = (const char *)data;
    struct checkpoint cp;
    struct buf b;
    size_t tl = 0;
    int good = 0, rc;

    if (!ready) {
        if (note_key_parse_vkey(&key, peter_vkey, strlen(peter_vkey)) != NOTE_OK)
            abort();
        ready = 1;
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
