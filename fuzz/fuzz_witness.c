/*
 * fuzz_witness.c — libFuzzer target for what `sunbid witness` reads from a
 * log it does not trust (cli/httpc.h, cli/witness.h): the raw HTTP
 * response parser, the consistency-proof and key JSON readers, and the URL
 * parser; the bytes are also judged as a state file (checkpoint_parse) with
 * a proof parsed from them.
 *
 * Besides "does not crash, leak or trip a sanitizer", it checks:
 *   - a parsed response has a status 100..999 and a body no longer than the
 *     input, NUL-terminated;
 *   - a parsed proof has at most MERKLE_MAX_PROOF hashes;
 *   - a parsed URL has a non-empty host and a port 1..65535.
 *
 * Seeds: fuzz/corpus/witness/. Replayed by fuzz/replay.c in ordinary builds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/httpc.h"
#include "cli/witness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    char err[256];
    struct httpc_resp r;
    if (httpc_parse_response(in, size, &r, err, sizeof err) == 0) {
        if (r.status < 100 || r.status > 999 || r.body.data == NULL || r.body.len > size ||
            r.body.data[r.body.len] != '\0')
            abort();
    }
    httpc_resp_release(&r);

    static uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    size_t n = 0;
    if (witness_proof_parse(in, size, 3, 7, proof, &n, err, sizeof err) == 0 &&
        n > MERKLE_MAX_PROOF)
        abort();
    enum merkle_alg alg;
    if (witness_key_hash(in, size, &alg, err, sizeof err) == 0 && alg != MERKLE_SHA256 &&
        alg != MERKLE_SM3)
        abort();

    /* the bytes as a state file, judged against a fixed checkpoint of size 7 */
    struct checkpoint old, cur = {.origin = "log.example/w", .size = 7};
    if (checkpoint_parse(in, size, &old) == NOTE_OK)
        (void)witness_judge(&old, &cur, MERKLE_SHA256, (const uint8_t(*)[MERKLE_HASH_LEN])proof, n);

    if (size < 2048) {
        char *s = malloc(size + 1);
        struct httpc_url u;
        if (s == NULL)
            return 0;
        memcpy(s, data, size);
        s[size] = '\0';
        if (httpc_url_parse(s, &u, err, sizeof err) == 0) {
            long port = strtol(u.port, NULL, 10);
            if (u.host[0] == '\0' || port < 1 || port > 65535)
                abort();
        }
        free(s);
    }
    return 0;
}
