/*
 * fuzz_escrow_share.c — libFuzzer target for sealed escrow shares
 * (domain/escrow.h): the bytes an officer's tool receives from the server
 * (GET /api/tenders/:id/escrow/share) and opens with its private key.
 *
 * The input goes through escrow_share_parse, then escrow_share_open with
 * two fixed officer keys, one SM2 and one P-256 (their scalars are
 * constants here, so the seeds in fuzz/corpus/escrow_share/, sealed to
 * them, open).
 *
 * Besides "does not crash, leak or trip a sanitizer", it checks:
 *   - a parse that succeeds accounts for every byte (header, wrap, nonce,
 *     share, tag) and gives x >= 1, a tender id > 0 and a known suite;
 *   - open succeeds only on input that parses, with the x it declares, and
 *     with the key of its suite;
 *   - what opens, sealed again to the same key, opens to the same share.
 *
 * Replayed by fuzz/replay.c in ordinary builds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/escrow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY *keys[2]; /* gm, intl */

static void init(void)
{
    uint8_t d[32];
    for (int i = 0; i < 32; i++)
        d[i] = (uint8_t)(i + 1);
    keys[0] = escrow_key_from_scalar(&suite_gm, d);
    keys[1] = escrow_key_from_scalar(&suite_intl, d);
    if (keys[0] == NULL || keys[1] == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct escrow_sealed es;
    uint8_t share[SHAMIR_SHARE_LEN], again[SHAMIR_SHARE_LEN], sealed[ESCROW_SEALED_MAX];
    if (keys[0] == NULL)
        init();
    int prc = escrow_share_parse(data, size, &es);
    if (prc == SEAL_OK && (es.x < 1 || es.tender_id <= 0 || es.suite == NULL ||
                           size != 49 + es.wrap_len + 12 + SHAMIR_SHARE_LEN + es.tag_len ||
                           es.tag != data + size - es.tag_len))
        abort();
    for (int k = 0; k < 2; k++) {
        unsigned x = 0, x2 = 0;
        int rc = escrow_share_open(keys[k], data, size, 0, share, &x);
        if (rc != SEAL_OK)
            continue;
        if (prc != SEAL_OK || x != es.x || (int)es.suite->id != (k == 0 ? SUITE_GM : SUITE_INTL))
            abort();
        size_t n = sizeof sealed;
        if (escrow_share_seal(keys[k], es.tender_id, x, share, sealed, &n) != SEAL_OK ||
            escrow_share_open(keys[k], sealed, n, es.tender_id, again, &x2) != SEAL_OK || x2 != x ||
            memcmp(share, again, sizeof share) != 0)
            abort();
    }
    return 0;
}
