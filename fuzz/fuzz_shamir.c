/*
 * fuzz_shamir.c — libFuzzer target for escrow key shares (crypto/shamir.h):
 * the bytes officers hand in at the opening, after decryption.
 *
 * The input is cut into SHAMIR_SHARE_LEN-byte shares (a shorter tail is one
 * more, short, share), at most SHAMIR_MAX_N. Each goes through
 * shamir_share_parse, then all of them through shamir_combine.
 *
 * Besides "does not crash, leak or trip a sanitizer", it checks:
 *   - a share that parses has its fields in range (2 <= k <= n, 1 <= x <= n,
 *     16 <= L <= 64, version 1);
 *   - combine succeeds only with at least k good shares, gives a secret of
 *     the declared length, marks every share it set aside with a reason, and
 *     gives the same answer a second time (no hidden state);
 *   - on success, the secret split again and combined comes back equal.
 *
 * Seeds: fuzz/corpus/shamir/ (made by shamir_split). Replayed by
 * fuzz/replay.c in ordinary builds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/shamir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *shares[SHAMIR_MAX_N];
    size_t lens[SHAMIR_MAX_N], m = 0;
    int status[SHAMIR_MAX_N], status2[SHAMIR_MAX_N];
    uint8_t secret[SHAMIR_MAX_SECRET], again[SHAMIR_MAX_SECRET];
    size_t slen = 0, slen2 = 0;

    for (size_t off = 0; off < size && m < SHAMIR_MAX_N; off += SHAMIR_SHARE_LEN) {
        shares[m] = data + off;
        lens[m] = size - off < SHAMIR_SHARE_LEN ? size - off : SHAMIR_SHARE_LEN;
        struct shamir_share_info info;
        if (shamir_share_parse(shares[m], lens[m], &info) == SHAMIR_OK &&
            (info.version != 1 || info.k < 2 || info.k > info.n || info.x < 1 || info.x > info.n ||
             info.secret_len < 16 || info.secret_len > 64))
            abort();
        m++;
    }
    int rc = shamir_combine(shares, lens, m, secret, sizeof secret, &slen, status);
    int rc2 = shamir_combine(shares, lens, m, again, sizeof again, &slen2, status2);
    if (rc != rc2 || slen != slen2 || memcmp(status, status2, m * sizeof status[0]) != 0 ||
        (rc == SHAMIR_OK && memcmp(secret, again, slen) != 0))
        abort();
    if (rc != SHAMIR_OK)
        return 0;
    size_t good = 0;
    struct shamir_share_info first = {0};
    for (size_t i = 0; i < m; i++) {
        if (status[i] > 0)
            abort();
        if (status[i] != SHAMIR_OK)
            continue;
        if (good++ == 0 && shamir_share_parse(shares[i], lens[i], &first) != SHAMIR_OK)
            abort();
    }
    if (good < first.k || slen != first.secret_len)
        abort();
    static uint8_t re[SHAMIR_MAX_N][SHAMIR_SHARE_LEN];
    if (shamir_split(secret, slen, 2, 3, re) != SHAMIR_OK)
        abort();
    const uint8_t *p[2] = {re[2], re[0]};
    size_t l2[2] = {SHAMIR_SHARE_LEN, SHAMIR_SHARE_LEN};
    if (shamir_combine(p, l2, 2, again, sizeof again, &slen2, NULL) != SHAMIR_OK || slen2 != slen ||
        memcmp(again, secret, slen) != 0)
        abort();
    return 0;
}
