/*
 * fuzz_receipt.c — libFuzzer target for bid receipts (crypto/receipt.h):
 * the text a bidder (or anyone) hands `sunbid verify-receipt`, and the PEM
 * key it is checked with.
 *
 * The input is a receipt text. Besides "does not crash, leak or trip a
 * sanitizer", it checks:
 *   - a text that parses formats back to exactly the same bytes (one text
 *     per receipt: nothing a signature covers can be written two ways);
 *   - a parsed receipt has its numbers positive and its hashes 64 hex;
 *   - no signature made by a fixed test key over another text verifies for
 *     this one, and the input taken as a key or a signature never verifies.
 *
 * Seeds: fuzz/corpus/receipt/ (receipts as the server writes them).
 * Replayed by fuzz/replay.c in ordinary builds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/receipt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char TEST_KEY[] = "-----BEGIN PRIVATE KEY-----\n"
                               "MC4CAQAwBQYDK2VwBCIEIBXJ8mQ3rPp6sW0vH0J7x7xXyYb6Y0m9p1Gqk1c4Zt9L\n"
                               "-----END PRIVATE KEY-----\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static EVP_PKEY *key;
    static char sig[RECEIPT_SIG_B64];
    struct receipt r;
    if (key == NULL) {
        key = receipt_key_parse(TEST_KEY, sizeof(TEST_KEY) - 1);
        if (key == NULL || receipt_sign(key, "another text\n", 13, sig) != 0)
            abort();
    }
    const char *text = (const char *)data;
    if (receipt_parse(text, size, &r) == 0) {
        struct buf again;
        buf_init(&again, RECEIPT_MAX_TEXT);
        if (receipt_format(&r, &again) != 0 || again.len != size ||
            memcmp(again.data, data, size) != 0)
            abort();
        buf_release(&again);
        if (r.tender_id <= 0 || r.lot <= 0 || r.seq <= 0 || r.size <= 0 || strlen(r.sha256) != 64)
            abort();
    }
    if (receipt_verify(key, text, size, sig))
        abort();
    /* the input as a key, and as a signature */
    EVP_PKEY *k = receipt_key_parse(text, size);
    if (k != NULL && receipt_verify(k, "x", 1, sig))
        abort();
    EVP_PKEY_free(k);
    if (size < 512) {
        char s[512];
        memcpy(s, data, size);
        s[size] = '\0';
        if (receipt_verify(key, "another text\n", 13, s) && strcmp(s, sig) != 0)
            abort();
    }
    return 0;
}
