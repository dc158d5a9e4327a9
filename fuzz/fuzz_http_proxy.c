/*
 * fuzz_http_proxy.c — libFuzzer target for trusted proxies (http/proxy.h):
 * the --trusted-proxy argument and the X-Real-IP / X-Forwarded-For values a
 * client or proxy sends.
 *
 * The input is cut at NUL bytes into up to four strings: a --trusted-proxy
 * spec, the TCP peer, X-Real-IP and X-Forwarded-For (a missing piece is
 * absent). Besides "does not crash or trip a sanitizer", it checks that:
 *   - a spec that is accepted is trusted for its own address;
 *   - the client address is the peer unless a header was used, and a used
 *     one is a printable literal that normalises to itself;
 *   - without the spec in the set (an empty set), headers never count.
 *
 * Seeds: fuzz/corpus/http_proxy/. Replayed by fuzz/replay.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    const char *part[4] = {NULL, NULL, NULL, NULL};
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    int n = 0;
    char *p = copy;
    while (n < 4 && p <= copy + size) {
        part[n++] = p;
        p += strlen(p) + 1;
    }
    struct http_proxies set = {0}, none = {0};
    char err[256], out[64], again[64];
    const char *peer = part[1] != NULL ? part[1] : "127.0.0.1";
    if (part[0] != NULL && http_proxies_add(&set, part[0], err, sizeof err) == 0) {
        const char *slash = strchr(part[0], '/');
        size_t alen = slash != NULL ? (size_t)(slash - part[0]) : strlen(part[0]);
        char self[64];
        if (!http_ip_normalize(part[0], alen, self, sizeof self) ||
            !http_proxies_trusts(&set, self))
            abort();
    }
    bool used = http_proxy_client(&set, peer, part[2], part[3], out, sizeof out);
    if (!used && strncmp(out, peer, sizeof out - 1) != 0)
        abort();
    if (used) {
        if (!http_proxies_trusts(&set, peer) ||
            !http_ip_normalize(out, strlen(out), again, sizeof again) || strcmp(out, again) != 0)
            abort();
    }
    if (http_proxy_client(&none, peer, part[2], part[3], out, sizeof out))
        abort();
    free(copy);
    return 0;
}
